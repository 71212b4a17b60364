import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { normalizeOpeningHours } from '../../libs/schedule/opening-hours';
import { inSerializableTransaction } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { decodeCursor, isCreatedAtKey, Page, toKeyedPage } from '../common/pagination/pagination';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { ScheduleGuard } from '../scheduling/schedule-guard';
import { CreateShopDto } from './dto/create-shop.dto';
import { AdminShopsQueryDto } from './dto/list-shops.query.dto';
import { ShopDto } from './dto/shop.dto';
import { UpdateShopDto } from './dto/update-shop.dto';
import { Shop } from './shop.entity';
import { ShopStatus } from './shop-status';
import {
  CommissionChangeForbiddenError,
  NotShopOwnerError,
  PayoutAccountChangeForbiddenError,
  ShopNotFoundError,
} from './shops.errors';
import { ShopsRepository } from './shops.repository';

export const DEFAULT_TIMEZONE = 'Asia/Kolkata';
export const DEFAULT_SLOT_INTERVAL_MINUTES = 15;
const SCHEDULE_CHANGE_ATTEMPTS = 10;

/** An admin may approve or suspend a shop in any status; repeating an action changes nothing. */
const TRANSITIONS: Record<'approve' | 'suspend', ShopStatus> = { approve: 'active', suspend: 'suspended' };

@Injectable()
export class ShopsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly shops: ShopsRepository,
    private readonly guard: ScheduleGuard,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(owner: AuthenticatedUser, dto: CreateShopDto): Promise<ShopDto> {
    const shop = await this.shops.create({
      ownerId: owner.id,
      name: dto.name,
      address: dto.address,
      location: dto.location,
      timezone: dto.timezone ?? DEFAULT_TIMEZONE,
      openingHours: normalizeOpeningHours(dto.openingHours),
      slotIntervalMinutes: dto.slotIntervalMinutes ?? DEFAULT_SLOT_INTERVAL_MINUTES,
      commissionBps: this.config.payments.defaultCommissionBps,
      cancellationPolicy: dto.cancellationPolicy,
    });
    return ShopDto.from(shop);
  }

  async get(id: string, viewer: AuthenticatedUser | undefined): Promise<ShopDto> {
    return ShopDto.from(await this.findVisible(id, viewer));
  }

  async update(id: string, user: AuthenticatedUser, dto: UpdateShopDto): Promise<ShopDto> {
    await this.findManaged(id, user, { adminMay: true });
    if (dto.commissionBps !== undefined && user.role !== 'admin') throw new CommissionChangeForbiddenError();
    if (dto.payoutAccountId !== undefined && user.role !== 'admin')
      throw new PayoutAccountChangeForbiddenError();
    const changes = {
      ...dto,
      openingHours: dto.openingHours ? normalizeOpeningHours(dto.openingHours) : undefined,
    };
    if (changes.openingHours === undefined && changes.timezone === undefined) {
      return ShopDto.from(await this.shops.update(id, changes));
    }
    // New hours or a new time zone must keep every live booking inside the shop's hours of its date (and on that
    // date): checked and written in one SERIALIZABLE transaction, which a racing booking cannot slip past.
    const shop = await inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        await this.guard.assertFits(manager, id, (rules) => ({
          ...rules,
          timezone: changes.timezone ?? rules.timezone,
          openingHours: changes.openingHours ?? rules.openingHours,
        }));
        return this.shops.update(id, changes, manager);
      },
      { attempts: SCHEDULE_CHANGE_ATTEMPTS },
    );
    return ShopDto.from(shop);
  }

  async transition(id: string, action: keyof typeof TRANSITIONS): Promise<ShopDto> {
    const shop = await this.shops.findById(id);
    if (!shop) throw new ShopNotFoundError();
    const to = TRANSITIONS[action];
    return ShopDto.from(shop.status === to ? shop : await this.shops.setStatus(id, to));
  }

  async listOwn(owner: AuthenticatedUser, query: AdminShopsQueryDto): Promise<Page<ShopDto>> {
    return this.list({ ownerId: owner.id, status: query.status }, query);
  }

  async listAll(query: AdminShopsQueryDto): Promise<Page<ShopDto>> {
    return this.list({ status: query.status }, query);
  }

  /** The shop if `viewer` may see it: active shops are public, others only for their owner and admins. */
  async findVisible(id: string, viewer: AuthenticatedUser | undefined): Promise<Shop> {
    const shop = await this.shops.findById(id);
    if (!shop || !this.canSee(shop, viewer)) throw new ShopNotFoundError();
    return shop;
  }

  /** The shop if `user` may manage it (its owner; an admin when `adminMay`). Others get 403 or, if they may not even see it, 404. */
  async findManaged(id: string, user: AuthenticatedUser, options: { adminMay: boolean }): Promise<Shop> {
    const shop = await this.findVisible(id, user);
    const allowed = shop.ownerId === user.id || (options.adminMay && user.role === 'admin');
    if (!allowed) throw new NotShopOwnerError();
    return shop;
  }

  private canSee(shop: Shop, viewer: AuthenticatedUser | undefined): boolean {
    return shop.status === 'active' || viewer?.role === 'admin' || viewer?.id === shop.ownerId;
  }

  private async list(
    filter: { ownerId?: string; status?: ShopStatus },
    query: { limit: number; cursor?: string },
  ): Promise<Page<ShopDto>> {
    const after = query.cursor ? decodeCursor(query.cursor, isCreatedAtKey) : undefined;
    const shops = await this.shops.list(filter, query.limit + 1, after);
    return toKeyedPage(shops, query.limit, ShopDto.from);
  }
}
