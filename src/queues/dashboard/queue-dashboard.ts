import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bull';
import { HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bull';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { TokenService } from '../../auth/token.service';
import { QUEUE_NAMES } from '../queues.constants';
import { DASHBOARD_PATH, readSessionCookie } from './session-cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A state-changing request must come from the dashboard's own pages (the cookie is SameSite=Strict as well). */
function crossOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin || SAFE_METHODS.has(request.method)) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: HttpStatus,
  code: string,
  message: string,
) {
  return reply.code(status).send({ statusCode: status, code, message, requestId: request.id });
}

/**
 * Bull Board at /admin/queues, for administrators only: every page, asset and dashboard API call needs the session
 * cookie that `QueueDashboardController` issues to admins. Pages without one go to the sign-in form; API calls get
 * a 401. Mounted in its own Fastify scope, so the check covers exactly the dashboard's routes.
 */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const tokens = app.get(TokenService);
  const board = new BullBoardFastifyAdapter();
  board.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: QUEUE_NAMES.map(
      (name) => new BullAdapter(app.get<Queue>(getQueueToken(name), { strict: false })),
    ),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'HairOne queues' } },
  });

  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request, reply) => {
      const session = readSessionCookie(request.headers.cookie);
      const user = session ? await tokens.verifyDashboardSession(session) : undefined;
      if (user?.role === 'admin') {
        if (crossOrigin(request)) {
          return refuse(
            request,
            reply,
            HttpStatus.FORBIDDEN,
            'FORBIDDEN',
            'Cross-origin requests are refused',
          );
        }
        return;
      }
      if (request.method === 'GET' && !request.url.startsWith(`${DASHBOARD_PATH}/api/`)) {
        return reply.redirect(`${DASHBOARD_PATH}/login`, HttpStatus.SEE_OTHER);
      }
      return refuse(
        request,
        reply,
        HttpStatus.UNAUTHORIZED,
        'UNAUTHORIZED',
        'Sign in as an administrator at /admin/queues/login',
      );
    });
    await scope.register(board.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
