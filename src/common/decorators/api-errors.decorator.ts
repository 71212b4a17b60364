import { STATUS_CODES } from 'node:http';

import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

import { ErrorResponseDto } from '../errors/error-response.dto';

/** An error answer and the codes it may carry, e.g. `{ status: 503, codes: ['ONLINE_PAYMENTS_DISABLED'] }`. */
export interface ApiErrorAnswer {
  status: number;
  codes: string[];
}

/** "Service Unavailable", or "Service Unavailable: ONLINE_PAYMENTS_DISABLED, ..." when the codes are named. */
export function errorDescription(status: number, codes: readonly string[] = []): string {
  const text = STATUS_CODES[status] ?? 'Error';
  return codes.length > 0 ? `${text}: ${codes.join(', ')}` : text;
}

/**
 * Documents the error answers of a route, all in the shared error shape. Every operation also gets 500 and
 * 503 DATABASE_UNAVAILABLE from `completeOpenApiDocument`, so a route names only its own 5xx codes.
 */
export function ApiErrors(...answers: Array<number | ApiErrorAnswer>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...answers.map((answer) => {
      const { status, codes } = typeof answer === 'number' ? { status: answer, codes: [] } : answer;
      return ApiResponse({ status, description: errorDescription(status, codes), type: ErrorResponseDto });
    }),
  );
}
