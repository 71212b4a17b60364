import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { UsersRepository } from '../users/users.repository';
import { PasswordHasher } from './password-hasher';

/** Creates the first admin from BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD when there is no admin yet. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const created = await this.users.createAdminIfNoneExists({
      name: 'Administrator',
      email: admin.email,
      passwordHash: await this.passwords.hash(admin.password),
    });
    if (created) this.logger.log(`Created the first admin account ${created.email}`);
  }
}
