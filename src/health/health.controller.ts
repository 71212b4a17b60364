import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/auth.decorators';
import { UnhealthyError } from './health.errors';
import { HealthService } from './health.service';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @SkipThrottle()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness: 200 when PostgreSQL and Redis answer, else 503' })
  @ApiOkResponse({ description: 'Both dependencies answer' })
  @ApiErrors(503)
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
