import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';

import { isPgError, PG_UNIQUE_VIOLATION } from '../common/database/pg-errors';
import { Role } from './role';
import { User } from './user.entity';
import { EmailTakenError } from './users.errors';

export interface NewUser {
  name: string;
  email: string;
  phone?: string | null;
  passwordHash: string;
  role: Role;
}

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** The only finder that reads the password hash, for login. */
  findByEmailWithPasswordHash(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.email = :email', { email: email.toLowerCase() })
      .getOne();
  }

  async create(user: NewUser): Promise<User> {
    try {
      const rows = await this.users.insert({
        ...user,
        email: user.email.toLowerCase(),
        phone: user.phone ?? null,
      });
      return (await this.findById(rows.identifiers[0].id as string)) as User;
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION, 'users_email_key')) throw new EmailTakenError();
      throw error;
    }
  }

  /**
   * Creates the admin unless one already exists. Serialised by an advisory lock, so API instances starting
   * together create at most one.
   */
  async createAdminIfNoneExists(admin: Omit<NewUser, 'role'>): Promise<User | null> {
    return this.dataSource.transaction(async (manager) => {
      const users = manager.getRepository(User);
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('hairone:bootstrap-admin'))");
      if (await users.exists({ where: { role: 'admin' } })) return null;
      const rows = await users.insert({
        ...admin,
        email: admin.email.toLowerCase(),
        phone: admin.phone ?? null,
        role: 'admin',
      });
      return users.findOneBy({ id: rows.identifiers[0].id as string });
    });
  }
}
