import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';

import { RefreshToken } from './refresh-token.entity';

@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>) {}

  findById(id: string): Promise<RefreshToken | null> {
    return this.tokens.findOneBy({ id });
  }

  async insert(
    token: Pick<RefreshToken, 'userId' | 'familyId' | 'tokenHash' | 'expiresAt'>,
  ): Promise<string> {
    const result = await this.tokens.insert(token);
    return result.identifiers[0].id as string;
  }

  /**
   * Replaces a live token by a new one of the same family, atomically. Returns null when the token was already
   * revoked: of two concurrent refreshes with the same token, exactly one wins.
   */
  async rotate(id: string, next: Pick<RefreshToken, 'tokenHash' | 'expiresAt'>): Promise<string | null> {
    return this.tokens.manager.transaction(async (manager) => {
      const revoked = await manager.update(
        RefreshToken,
        { id, revokedAt: IsNull() },
        { revokedAt: () => 'now()' },
      );
      if (revoked.affected !== 1) return null;
      const current = await manager.findOneByOrFail(RefreshToken, { id });
      const inserted = await manager.insert(RefreshToken, {
        userId: current.userId,
        familyId: current.familyId,
        ...next,
      });
      const nextId = inserted.identifiers[0].id as string;
      await manager.update(RefreshToken, { id }, { replacedById: nextId });
      return nextId;
    });
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.tokens.update({ familyId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }
}
