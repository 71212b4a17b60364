import { Body, Controller, Get, Header, Inject, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { InvalidCredentialsError } from '../../auth/auth.errors';
import { AuthService } from '../../auth/auth.service';
import { LoginDto } from '../../auth/dto/login.dto';
import { TokenService } from '../../auth/token.service';
import { Public } from '../../common/decorators/auth.decorators';
import { RateLimit } from '../../common/rate-limit/rate-limit.decorator';
import { AppConfig } from '../../config/app.config';
import { APP_CONFIG } from '../../config/config.constants';
import { loginPage } from './login-page';
import { clearedSessionCookie, DASHBOARD_PATH, sessionCookie } from './session-cookie';

/**
 * Signing in to the queue dashboard (Bull Board, mounted by `mountQueueDashboard`). The browser keeps the session
 * in an HttpOnly cookie; only administrators get one. These are HTML pages, not part of the REST API.
 */
@ApiExcludeController()
@Controller(DASHBOARD_PATH.slice(1))
export class QueueDashboardController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('login')
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  loginForm(): string {
    return loginPage();
  }

  @Post('login')
  @Public()
  @RateLimit('auth')
  async login(@Body() credentials: LoginDto, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.auth.authenticate(credentials).catch((error: unknown) => {
      if (error instanceof InvalidCredentialsError) return undefined;
      throw error;
    });
    if (!user || user.role !== 'admin') {
      const message = user
        ? 'Only administrators may open the queue dashboard.'
        : 'Wrong e-mail or password.';
      await reply
        .code(user ? 403 : 401)
        .type('text/html; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .send(loginPage({ message, email: credentials.email }));
      return;
    }
    const session = await this.tokens.signDashboardSession(user);
    await reply
      .code(303)
      .header('Set-Cookie', sessionCookie(session, this.config.jwt.accessTtlSeconds, this.secureCookies))
      .header('Location', `${DASHBOARD_PATH}/`)
      .send();
  }

  @Post('logout')
  @Public()
  async logout(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .code(303)
      .header('Set-Cookie', clearedSessionCookie(this.secureCookies))
      .header('Location', `${DASHBOARD_PATH}/login`)
      .send();
  }

  /** Production sits behind TLS; elsewhere (the local demo, tests) the dashboard is plain http. */
  private get secureCookies(): boolean {
    return this.config.nodeEnv === 'production';
  }
}
