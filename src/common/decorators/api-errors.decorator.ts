import { STATUS_CODES } from 'node:http';

import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

import { ErrorResponseDto } from '../errors/error-response.dto';

/** Documents the error answers of a route, all in the shared error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: STATUS_CODES[status], type: ErrorResponseDto }),
    ),
  );
}
