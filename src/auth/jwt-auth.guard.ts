import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { IS_PUBLIC } from '../common/decorators/auth.decorators';
import { InvalidAccessTokenError } from './auth.errors';
import { TokenService } from './token.service';

/**
 * Every route needs a valid bearer token unless it is marked @Public(). A public route may still show more to a
 * signed-in caller (an owner sees their pending shop), so it reads a token when one is sent; a bad token there is
 * ignored and the caller is treated as anonymous.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    const bearer = scheme?.toLowerCase() === 'bearer' && token ? token : undefined;

    if (isPublic) {
      if (bearer) request.user = await this.tokens.verifyAccessToken(bearer).catch(() => undefined);
      return true;
    }
    if (!bearer) throw new InvalidAccessTokenError();
    request.user = await this.tokens.verifyAccessToken(bearer);
    return true;
  }
}
