import { HttpStatus } from '@nestjs/common';
import { errorCodes } from 'fastify';

/** The code given to an error that did not bring its own, by HTTP status. */
export const DEFAULT_ERROR_CODES: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHORIZED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'METHOD_NOT_ALLOWED',
  [HttpStatus.NOT_ACCEPTABLE]: 'NOT_ACCEPTABLE',
  [HttpStatus.CONFLICT]: 'CONFLICT',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'UNPROCESSABLE_ENTITY',
  [HttpStatus.TOO_MANY_REQUESTS]: 'RATE_LIMITED',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'INTERNAL',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'SERVICE_UNAVAILABLE',
};

const FASTIFY_REJECTIONS: Array<[keyof typeof errorCodes, string]> = [
  ['FST_ERR_CTP_INVALID_JSON_BODY', 'INVALID_JSON'],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', 'INVALID_JSON'],
  ['FST_ERR_CTP_BODY_TOO_LARGE', 'PAYLOAD_TOO_LARGE'],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE'],
];

/**
 * Requests Fastify rejects before a handler runs (malformed JSON, oversized body) reach the filter as plain
 * HttpExceptions carrying only Fastify's message, so the stable code is found by that message.
 */
export const FASTIFY_ERROR_CODES_BY_MESSAGE: ReadonlyMap<string, string> = new Map(
  FASTIFY_REJECTIONS.map(([name, code]) => [new (errorCodes[name] as new () => Error)().message, code]),
);
