import { Inject, Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';

@Injectable()
export class PasswordHasher {
  /** Compared against when the e-mail is unknown, so both failures cost the same time. */
  private readonly decoyHash: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.decoyHash = bcrypt.hash('decoy password, never matches', config.bcryptCost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.bcryptCost);
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const matches = await bcrypt.compare(password, hash ?? (await this.decoyHash));
    return hash !== undefined && matches;
  }
}
