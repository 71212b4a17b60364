import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { Role } from '../../users/role';
import { ApiErrors } from './api-errors.decorator';

export interface AuthenticatedUser {
  id: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthenticatedUser;
  }
}

export const IS_PUBLIC = 'hairone:isPublic';
export const ROLES_KEY = 'hairone:roles';

/** Opens a route to callers without a token. Every other route requires a valid access token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Restricts a route to the given roles (and documents the bearer requirement and the 401/403 answers). */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiErrors(401, 403),
    ApiExtension('x-roles', roles),
  );

/** Any signed-in caller, whatever the role. */
export const Authenticated = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiErrors(401),
    ApiExtension('x-roles', ['customer', 'shop_owner', 'admin']),
  );

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => {
    const user = context.switchToHttp().getRequest<FastifyRequest>().user;
    if (!user) throw new Error('CurrentUser used on a route without authentication');
    return user;
  },
);

/** On a @Public() route: the caller if they sent a valid token, otherwise undefined. */
export const OptionalUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().user,
);
