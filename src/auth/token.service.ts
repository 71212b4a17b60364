import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { ROLES } from '../users/role';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { InvalidAccessTokenError, InvalidRefreshTokenError } from './auth.errors';
import { RefreshTokensRepository } from './refresh-tokens.repository';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A refresh token is `<row id>.<256 random bits, base64url>`; only the SHA-256 of the random part is stored. */
const REFRESH_TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly users: UsersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issuePair(user: Pick<User, 'id' | 'role'>): Promise<TokenPair> {
    return {
      accessToken: await this.signAccessToken(user),
      refreshToken: await this.startRefreshFamily(user.id),
      expiresIn: this.config.jwt.accessTtlSeconds,
    };
  }

  /** HS256 only, with issuer, audience and expiry checked; anything else is a 401. */
  async verifyAccessToken(token: string): Promise<AuthenticatedUser> {
    const payload = await this.jwt
      .verifyAsync<{ sub?: unknown; role?: unknown }>(token)
      .catch(() => undefined);
    const user = payload && this.authenticatedUser(payload);
    if (!user) throw new InvalidAccessTokenError('The access token is invalid or expired');
    return user;
  }

  /**
   * A session for the queue dashboard, kept in an HttpOnly cookie by the browser. It is a JWT like an access token
   * but for another audience, so neither can stand in for the other.
   */
  signDashboardSession(user: Pick<User, 'id' | 'role'>): Promise<string> {
    return this.jwt.signAsync(
      { role: user.role },
      { subject: user.id, jwtid: randomUUID(), audience: this.dashboardAudience() },
    );
  }

  async verifyDashboardSession(token: string): Promise<AuthenticatedUser | undefined> {
    const payload = await this.jwt
      .verifyAsync<{ sub?: unknown; role?: unknown }>(token, { audience: this.dashboardAudience() })
      .catch(() => undefined);
    return payload ? this.authenticatedUser(payload) : undefined;
  }

  /**
   * Exchanges a refresh token for a new pair. The presented token is revoked; presenting a revoked token again
   * means it was copied, so its whole family is revoked and the legitimate holder has to sign in again too.
   */
  async rotate(rawToken: string): Promise<{ user: User; tokens: TokenPair }> {
    const match = REFRESH_TOKEN.exec(rawToken);
    if (!match || !UUID.test(match[1])) throw new InvalidRefreshTokenError();
    const [, id, secret] = match;

    const stored = await this.refreshTokens.findById(id);
    if (!stored || !this.hashMatches(secret, stored.tokenHash)) throw new InvalidRefreshTokenError();
    if (stored.revokedAt) {
      await this.refreshTokens.revokeFamily(stored.familyId);
      throw new InvalidRefreshTokenError();
    }
    if (stored.expiresAt.getTime() <= Date.now()) throw new InvalidRefreshTokenError();

    const user = await this.users.findById(stored.userId);
    if (!user) throw new InvalidRefreshTokenError();

    const nextSecret = randomBytes(32).toString('base64url');
    const nextId = await this.refreshTokens.rotate(id, {
      tokenHash: sha256(nextSecret),
      expiresAt: this.refreshExpiry(),
    });
    if (!nextId) {
      await this.refreshTokens.revokeFamily(stored.familyId);
      throw new InvalidRefreshTokenError();
    }
    const tokens = {
      accessToken: await this.signAccessToken(user),
      refreshToken: `${nextId}.${nextSecret}`,
      expiresIn: this.config.jwt.accessTtlSeconds,
    };
    return { user, tokens };
  }

  private authenticatedUser({ sub, role }: { sub?: unknown; role?: unknown }): AuthenticatedUser | undefined {
    if (typeof sub !== 'string' || !UUID.test(sub) || !ROLES.includes(role as never)) return undefined;
    return { id: sub, role: role as AuthenticatedUser['role'] };
  }

  private dashboardAudience(): string {
    return `${this.config.jwt.audience}:queue-dashboard`;
  }

  private signAccessToken(user: Pick<User, 'id' | 'role'>): Promise<string> {
    return this.jwt.signAsync({ role: user.role }, { subject: user.id, jwtid: randomUUID() });
  }

  private async startRefreshFamily(userId: string): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    const id = await this.refreshTokens.insert({
      userId,
      familyId: randomUUID(),
      tokenHash: sha256(secret),
      expiresAt: this.refreshExpiry(),
    });
    return `${id}.${secret}`;
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000);
  }

  private hashMatches(secret: string, storedHash: string): boolean {
    const presented = Buffer.from(sha256(secret), 'hex');
    const stored = Buffer.from(storedHash, 'hex');
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  }
}
