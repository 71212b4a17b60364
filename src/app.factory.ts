import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import { ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'pino';

import { AppModule } from './app.module';
import { Clock, systemClock } from './common/clock/clock';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { answerClientError } from './common/filters/client-error';
import { PinoNestLogger } from './common/logging/logger';
import { createOpenApiDocument } from './common/openapi/openapi-document';
import { addSecurityHeaders } from './common/security/security-headers';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig } from './config/app.config';
import { mountQueueDashboard } from './queues/dashboard/queue-dashboard';
import { DASHBOARD_PATH } from './queues/dashboard/session-cookie';

export const API_PREFIX = 'api/v1';
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** A caller's X-Request-Id is kept when it looks like an id (so traces join up), otherwise a new one is made. */
function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Builds the fully configured API application, used by main.ts and by the e2e tests alike (which may mount
 * extra test modules next to the real ones).
 */
export async function createApiApp(
  config: AppConfig,
  logger: PinoLogger,
  extraImports: ModuleMetadata['imports'] = [],
  clock: Clock = systemClock,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    genReqId: requestId,
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    return503OnClosing: true,
    // Fastify's default closes every connection on close, in-flight requests included. Node's server.close()
    // already drops idle keep-alive sockets and lets active ones finish, which is the drain SIGTERM needs.
    forceCloseConnections: false,
    clientErrorHandler: answerClientError,
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  // While draining, answers to in-flight requests close their keep-alive connection, so the server can finish.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('Connection', 'close');
    done(null, payload);
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, extraImports, clock),
    adapter,
    {
      logger: new PinoNestLogger(logger),
      rawBody: true,
      abortOnError: false,
    },
  );

  // Helmet's headers, computed once (see security-headers.ts).
  addSecurityHeaders(fastify, {
    // Swagger UI needs inline styles and scripts; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        // TLS is terminated in front of the service; upgrading would break Swagger UI on plain-HTTP hosts.
        upgradeInsecureRequests: null,
      },
    },
  });
  app.enableCors({ origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false });
  // Operational endpoints and the queue dashboard's pages live outside the versioned API.
  app.setGlobalPrefix(API_PREFIX, {
    exclude: ['health', 'metrics', `${DASHBOARD_PATH.slice(1)}/login`, `${DASHBOARD_PATH.slice(1)}/logout`],
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  if (config.http.docsEnabled) {
    SwaggerModule.setup('docs', app, createOpenApiDocument(app, config.nodeEnv), {
      jsonDocumentUrl: 'docs-json',
    });
  }
  await mountQueueDashboard(app);
  return app;
}
