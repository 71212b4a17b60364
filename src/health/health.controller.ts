import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/auth.decorators';
import { NoRateLimit } from '../common/rate-limit/rate-limit.decorator';
import { UnhealthyError } from './health.errors';
import { HealthService } from './health.service';

/** What each dependency reported: `{ database: { status: 'up' }, redis: { status: 'up' } }`. */
const DEPENDENCIES = {
  type: 'object',
  maxProperties: 2,
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
  },
};

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @NoRateLimit()
  // Documented here rather than by Terminus, whose 503 is not what this route answers (the shared error shape).
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness and readiness: 200 when PostgreSQL and Redis answer, else 503' })
  @ApiOkResponse({
    description: 'Both dependencies answer',
    schema: {
      type: 'object',
      required: ['status', 'info', 'error', 'details'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: DEPENDENCIES,
        error: DEPENDENCIES,
        details: DEPENDENCIES,
      },
    },
  })
  @ApiErrors({ status: 503, codes: ['UNHEALTHY'] })
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check();
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as HealthCheckResult;
        throw new UnhealthyError(Object.keys(result.error ?? {}));
      }
      throw error;
    }
  }
}
