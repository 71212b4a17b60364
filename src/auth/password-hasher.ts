import { Inject, Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';

import { fitsBcrypt, PASSWORD_MAX_BYTES } from '../../libs/auth/password';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';

/** No password was ever set longer than this many characters (before the byte limit, it was the only limit). */
const LONGEST_PASSWORD_CHARACTERS = 72;
const DECOY_PASSWORD = 'decoy password, never matches';

@Injectable()
export class PasswordHasher {
  /** Compared against when the e-mail is unknown, so both failures cost the same time. */
  private readonly decoyHash: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.decoyHash = bcrypt.hash(DECOY_PASSWORD, config.bcryptCost);
  }

  /** Callers validate first (400 VALIDATION_FAILED, or the config schema): bcrypt would drop what is past 72 bytes. */
  hash(password: string): Promise<string> {
    if (!fitsBcrypt(password)) {
      throw new Error(`A password must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 to be hashed`);
    }
    return bcrypt.hash(password, this.config.bcryptCost);
  }

  /**
   * Whether the password is the one hashed. One longer than any password ever set is simply wrong, at the cost
   * of a comparison like any other. Between 72 bytes and 72 characters it is compared as bcrypt does (its first
   * 72 bytes), since accounts created before passwords were limited in bytes may have one, and it was hashed so.
   */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const possible = password.length <= LONGEST_PASSWORD_CHARACTERS;
    const matches = await bcrypt.compare(
      possible ? password : DECOY_PASSWORD,
      possible && hash !== undefined ? hash : await this.decoyHash,
    );
    return possible && hash !== undefined && matches;
  }
}
