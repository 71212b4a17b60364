import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { Shop } from '../shops/shop.entity';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';
import { SearchRepository } from './search.repository';

/** Finding shops: nearby search with text, price, rating, opening and availability filters. */
@Module({
  imports: [TypeOrmModule.forFeature([Shop])],
  controllers: [DiscoveryController],
  providers: [DiscoveryService, SearchRepository],
})
export class DiscoveryModule {}
