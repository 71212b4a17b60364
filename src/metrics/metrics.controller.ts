import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/auth.decorators';
import { METRICS_SECURITY_SCHEME } from '../common/openapi/openapi-document';
import { NoRateLimit } from '../common/rate-limit/rate-limit.decorator';
import { MetricsService } from './metrics.service';
import { MetricsTokenGuard } from './metrics-token.guard';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public()
  @NoRateLimit()
  @UseGuards(MetricsTokenGuard)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics (process metrics and an HTTP latency histogram)',
    description:
      'With METRICS_TOKEN set (required in production), only `Authorization: Bearer <METRICS_TOKEN>`.',
  })
  @ApiBearerAuth(METRICS_SECURITY_SCHEME)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', type: String })
  @ApiErrors(401)
  render(): Promise<string> {
    return this.metrics.render();
  }
}
