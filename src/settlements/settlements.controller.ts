import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { AuthenticatedUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/decorators/idempotency-key.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { DATABASE_UNAVAILABLE } from '../common/openapi/openapi-document';
import { ApiPageResponse, Page } from '../common/pagination/pagination';
import { PayoutStartedDto } from './dto/payout.dto';
import {
  ListSettlementsQueryDto,
  SettlementDto,
  SettlementRunDto,
  SettlementRunStartedDto,
  StartSettlementRunDto,
} from './dto/settlement.dto';
import { ShopBalanceDto } from './dto/shop-balance.dto';
import { SettlementsService } from './settlements.service';

@ApiTags('settlements')
@Controller()
export class SettlementsController {
  constructor(private readonly settlements: SettlementsService) {}

  @Post('settlements/runs')
  @Roles('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start a settlement run now (the nightly cron does the same)',
    description: 'Settles every settleable booking that ended by the cutoff, one job per shop in the worker.',
  })
  @ApiAcceptedResponse({ type: SettlementRunStartedDto })
  @ApiErrors(400, 401, 403)
  async startRun(@Body() dto: StartSettlementRunDto): Promise<SettlementRunStartedDto> {
    const cutoff = dto.cutoff === undefined ? new Date() : new Date(dto.cutoff);
    const run = await this.settlements.startRun(cutoff, 'admin');
    return { runId: run.id };
  }

  @Get('settlements/runs/:id')
  @Roles('admin')
  @ApiOperation({ summary: "A settlement run's progress" })
  @ApiOkResponse({ type: SettlementRunDto })
  @ApiErrors(400, 401, 403, 404)
  getRun(@UuidParam('id') id: string): Promise<SettlementRunDto> {
    return this.settlements.getRun(id);
  }

  @Get('settlements')
  @Roles('admin', 'shop_owner')
  @ApiOperation({ summary: "Settlements, newest first: all for an admin, an owner's own shops'" })
  @ApiPageResponse(SettlementDto)
  @ApiErrors(400, 401, 403)
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListSettlementsQueryDto,
  ): Promise<Page<SettlementDto>> {
    return this.settlements.list(user, query);
  }

  @Get('shops/:id/balance')
  @Roles('admin', 'shop_owner')
  @ApiOperation({ summary: "A shop's balances from the ledger (its owner or an admin)" })
  @ApiOkResponse({ type: ShopBalanceDto })
  @ApiErrors(400, 401, 403, 404)
  balance(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string): Promise<ShopBalanceDto> {
    return this.settlements.balance(user, id);
  }

  @Post('admin/shops/:id/payouts')
  @Roles('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: "Pay a shop's payable balance now",
    description:
      'Pays the whole payable balance (earlier failed payouts and nets settled before the account was linked ' +
      'included) to the linked account; the worker sends the transfer. 409 NOTHING_TO_PAY when the balance is not ' +
      'positive, PAYOUT_ACCOUNT_MISSING without a linked account; 503 PAYOUTS_DISABLED when payouts are not ' +
      'configured. The same Idempotency-Key for the same shop returns the payout it made.',
  })
  @ApiIdempotencyKey()
  @ApiAcceptedResponse({ type: PayoutStartedDto })
  @ApiErrors(400, 401, 403, 404, 409, { status: 503, codes: ['PAYOUTS_DISABLED', DATABASE_UNAVAILABLE] })
  payShop(@UuidParam('id') id: string, @IdempotencyKey() idempotencyKey?: string): Promise<PayoutStartedDto> {
    return this.settlements.payShopNow(id, idempotencyKey);
  }
}
