import { STATUS_CODES } from 'node:http';

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';

import { isDatabaseUnavailable } from '../database/pg-errors';
import { DomainError, RateLimitedError } from '../errors/domain-error';
import { DEFAULT_ERROR_CODES, FASTIFY_ERROR_CODES_BY_MESSAGE } from '../errors/error-codes';
import {
  ConflictingBookingDto,
  ERROR_DETAILS_MAX_ITEMS,
  ERROR_MESSAGE_MAX_LENGTH,
  ErrorResponseDto,
} from '../errors/error-response.dto';

/** PostgreSQL errors caused by a value the client sent, should one slip past validation. */
const CLIENT_DATA_SQLSTATES = new Set(['22P02', '22007', '22008', '22003', '22001', '22021']);

interface ErrorWithStatus {
  statusCode: number;
  message: string;
}

/** As documented: a message quoting what the client sent (a property name, say) stays bounded. */
const bounded = (text: string): string =>
  text.length > ERROR_MESSAGE_MAX_LENGTH ? `${text.slice(0, ERROR_MESSAGE_MAX_LENGTH - 1)}…` : text;

function hasClientStatus(error: unknown): error is ErrorWithStatus {
  const status = (error as ErrorWithStatus | undefined)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The one place errors become HTTP responses: `{ statusCode, error, message, code, requestId }`.
 * Anything it does not recognise is logged with its stack and answered with a bare 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = this.toResponse(exception);
    body.requestId = request?.id;

    if (body.statusCode >= 500 && body.code === 'INTERNAL') {
      this.logger.error({ msg: 'Unhandled error', err: exception, requestId: request?.id });
    } else if (body.code === 'DATABASE_UNAVAILABLE') {
      this.logger.warn({ msg: 'Database unavailable', err: exception, requestId: request?.id });
    }
    if (exception instanceof RateLimitedError) {
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    }
    void reply.status(body.statusCode).send(body);
  }

  toResponse(exception: unknown): ErrorResponseDto {
    if (exception instanceof DomainError) {
      return this.shape(exception.status, exception.message, exception.code, exception.details);
    }
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception);
    }
    if (exception instanceof QueryFailedError) {
      const sqlState = (exception.driverError as { code?: string } | undefined)?.code;
      if (sqlState && CLIENT_DATA_SQLSTATES.has(sqlState)) {
        return this.shape(HttpStatus.BAD_REQUEST, 'A value in the request is malformed', 'BAD_REQUEST');
      }
    }
    if (isDatabaseUnavailable(exception)) {
      return this.shape(
        HttpStatus.SERVICE_UNAVAILABLE,
        'The database is not available; please retry shortly',
        'DATABASE_UNAVAILABLE',
      );
    }
    if (hasClientStatus(exception)) {
      return this.shape(
        exception.statusCode,
        exception.message,
        FASTIFY_ERROR_CODES_BY_MESSAGE.get(exception.message),
      );
    }
    return this.shape(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error', 'INTERNAL');
  }

  private fromHttpException(exception: HttpException): ErrorResponseDto {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'string') {
      return this.shape(status, response, FASTIFY_ERROR_CODES_BY_MESSAGE.get(response));
    }
    const { message, code } = response as { message?: string | string[]; code?: string };
    if (Array.isArray(message)) {
      return this.shape(status, message[0] ?? exception.message, code, message);
    }
    return this.shape(status, message ?? exception.message, code);
  }

  private shape(
    status: number,
    message: string,
    code?: string,
    details?: Array<string | ConflictingBookingDto>,
  ): ErrorResponseDto {
    const body: ErrorResponseDto = {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: bounded(message),
      code: code ?? DEFAULT_ERROR_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'),
    };
    // Messages only when there are several (the first is the message); records (bookings in the way) always.
    if (details && (details.length > 1 || typeof details[0] === 'object')) {
      body.details = details
        .slice(0, ERROR_DETAILS_MAX_ITEMS)
        .map((detail) => (typeof detail === 'string' ? bounded(detail) : detail));
    }
    return body;
  }
}
