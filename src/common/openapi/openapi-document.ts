import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  HeaderObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  ServerObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

import { NodeEnv } from '../../config/app.config';
import { errorDescription } from '../decorators/api-errors.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { RATE_LIMIT_EXTENSION } from '../rate-limit/rate-limit.decorator';
import { DATE_TIME_MAX_LENGTH } from '../validation/fields';

export const BEARER_SECURITY_SCHEME = 'bearer';
export const METRICS_SECURITY_SCHEME = 'metrics';
export const RAZORPAY_SIGNATURE_SECURITY_SCHEME = 'razorpay-signature';
/** Raised by the exception filter wherever PostgreSQL cannot be reached, so possible on every operation. */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';
const UUID_LENGTH = 36;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const integerHeader = (description: string): HeaderObject => ({
  description,
  schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
});

/** @fastify/cors, for a browser origin listed in CORS_ORIGINS; on every answer, errors included. */
const CORS_HEADERS: Record<string, HeaderObject> = {
  'Access-Control-Allow-Origin': {
    description: "The request's Origin, when it is one of CORS_ORIGINS; absent otherwise",
    schema: { type: 'string', maxLength: 2048 },
  },
};

/** What RateLimitGuard sends on every request it counted (a group's headers carry no group suffix). */
const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'X-RateLimit-Limit': integerHeader("Requests per minute of this route's rate-limit group, per client"),
  'X-RateLimit-Remaining': integerHeader('Requests left in the current window'),
  'X-RateLimit-Reset': integerHeader('Seconds until the window resets'),
};

const errorResponse = (
  status: number,
  codes: string[],
  headers?: Record<string, HeaderObject>,
): ResponseObject => ({
  description: errorDescription(status, codes),
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
});

/** The OpenAPI document served at /docs-json: the decorators' description, completed by `completeOpenApiDocument`. */
const ENVIRONMENT: Record<NodeEnv, string> = {
  production: 'production',
  test: 'test',
  development: 'local development',
};

export function createOpenApiDocument(app: INestApplication, nodeEnv: NodeEnv): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('HairOne API')
    .setDescription('Find a barber or salon nearby, book a slot, pay online or at the shop.')
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'The access token from /auth/register, /auth/login or /auth/refresh: a JWS signed with HS256 that ' +
          'follows RFC8725 (only HS256 is accepted, and issuer, audience and expiry are always checked).',
      },
      BEARER_SECURITY_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description: 'METRICS_TOKEN, when it is set (production requires it)',
      },
      METRICS_SECURITY_SCHEME,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Razorpay-Signature',
        description: "Razorpay's HMAC-SHA256 of the raw body with the webhook secret",
      },
      RAZORPAY_SIGNATURE_SECURITY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // The host that serves this document; `x-internal: false`, the API is for the public.
  document.servers = [
    { url: '/', description: `This server (${ENVIRONMENT[nodeEnv]})`, 'x-internal': false } as ServerObject,
  ];
  return completeOpenApiDocument(document);
}

/**
 * What holds for every operation, added once here rather than on each route: 500 and 503 DATABASE_UNAVAILABLE
 * (the exception filter answers those anywhere), the 429 and the rate-limit headers of every rate-limited route,
 * an explicit empty `security` on public routes, and the length limits that follow from a string's format.
 */
export function completeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  document.info.license = { name: 'Proprietary' };
  for (const pathItem of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation) completeOperation(operation);
    }
  }
  limitFormattedStrings(document);
  return document;
}

function completeOperation(operation: OperationObject): void {
  const responses = operation.responses as Record<string, ResponseObject | ReferenceObject>;
  const extensions = operation as unknown as Record<string, unknown>;
  const group = (extensions[RATE_LIMIT_EXTENSION] as string | undefined) ?? 'default';
  extensions[RATE_LIMIT_EXTENSION] = group;
  // Routes without roles are public on purpose (authorization.e2e-spec.ts holds every route to that).
  operation.security ??= [];

  for (const response of Object.values(responses)) {
    if (!('$ref' in response)) response.headers = { ...CORS_HEADERS, ...response.headers };
  }
  if (group !== 'none') {
    responses['429'] ??= errorResponse(429, ['RATE_LIMITED'], {
      ...CORS_HEADERS,
      'Retry-After': integerHeader('Seconds to wait before the next request'),
    });
    for (const [status, response] of Object.entries(responses)) {
      if (/^[24]/.test(status) && !('$ref' in response)) {
        response.headers = { ...RATE_LIMIT_HEADERS, ...response.headers };
      }
    }
  }
  responses['500'] ??= errorResponse(500, ['INTERNAL'], CORS_HEADERS);
  // A route naming its own 503 codes names DATABASE_UNAVAILABLE too, where it applies.
  responses['503'] ??= errorResponse(503, [DATABASE_UNAVAILABLE], CORS_HEADERS);
}

/** A UUID is 36 characters; a date-time, as written and as accepted, at most DATE_TIME_MAX_LENGTH. */
function limitFormattedStrings(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(limitFormattedStrings);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as SchemaObject;
  if (schema.type === 'string' && schema.maxLength === undefined) {
    if (schema.format === 'uuid') schema.maxLength = UUID_LENGTH;
    if (schema.format === 'date-time') schema.maxLength = DATE_TIME_MAX_LENGTH;
  }
  Object.values(node).forEach(limitFormattedStrings);
}
