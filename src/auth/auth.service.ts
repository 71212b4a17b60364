import { Injectable } from '@nestjs/common';

import { NotFoundError } from '../common/errors/domain-error';
import { LoginAttempts } from '../common/rate-limit/login-attempts';
import { UserDto } from '../users/dto/user.dto';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { InvalidCredentialsError } from './auth.errors';
import { AuthResponseDto } from './dto/auth-response.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly attempts: LoginAttempts,
  ) {}

  async register(dto: RegisterDto): Promise<AuthResponseDto> {
    const user = await this.users.create({
      name: dto.name,
      email: dto.email,
      phone: dto.phone,
      passwordHash: await this.passwords.hash(dto.password),
      role: dto.role ?? 'customer',
    });
    return { user: UserDto.from(user), ...(await this.tokens.issuePair(user)) };
  }

  async login(dto: LoginDto): Promise<AuthResponseDto> {
    const user = await this.authenticate(dto);
    return { user: UserDto.from(user), ...(await this.tokens.issuePair(user)) };
  }

  /**
   * Unknown e-mail and wrong password fail alike, in message and in time. Failures per account are limited
   * (LoginAttempts), whatever address they come from.
   */
  async authenticate({ email, password }: LoginDto): Promise<User> {
    await this.attempts.begin(email);
    const user = await this.users.findByEmailWithPasswordHash(email);
    if (!(await this.passwords.verify(password, user?.passwordHash)) || !user) {
      throw new InvalidCredentialsError();
    }
    await this.attempts.succeeded(email);
    return user;
  }

  async refresh(refreshToken: string): Promise<AuthResponseDto> {
    const { user, tokens } = await this.tokens.rotate(refreshToken);
    return { user: UserDto.from(user), ...tokens };
  }

  async me(userId: string): Promise<UserDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('User');
    return UserDto.from(user);
  }
}
