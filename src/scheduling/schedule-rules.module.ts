import { Module } from '@nestjs/common';

import { ScheduleGuard } from './schedule-guard';
import { ScheduleRulesRepository } from './schedule-rules.repository';

/** The scheduling rules and the guard every schedule change passes; depends on nothing but the database. */
@Module({
  providers: [ScheduleRulesRepository, ScheduleGuard],
  exports: [ScheduleRulesRepository, ScheduleGuard],
})
export class ScheduleRulesModule {}
