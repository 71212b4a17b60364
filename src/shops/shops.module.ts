import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ScheduleRulesModule } from '../scheduling/schedule-rules.module';
import { CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { ServiceOffering } from './service-offering.entity';
import { Shop } from './shop.entity';
import { AdminShopsController, ShopsController } from './shops.controller';
import { ShopsRepository } from './shops.repository';
import { ShopsService } from './shops.service';
import { StaffMember } from './staff-member.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Shop, ServiceOffering, StaffMember]), ScheduleRulesModule],
  controllers: [ShopsController, AdminShopsController, CatalogController],
  providers: [ShopsService, ShopsRepository, CatalogService, CatalogRepository],
  exports: [ShopsService, ShopsRepository, CatalogRepository],
})
export class ShopsModule {}
