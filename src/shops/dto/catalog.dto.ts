import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

import { TextField } from '../../common/validation/fields';
import { Optional } from '../../common/validation/optional';
import { ServiceOffering } from '../service-offering.entity';
import { StaffMember } from '../staff-member.entity';
import { MAX_OPENING_INTERVALS, OpeningIntervalDto } from './create-shop.dto';

export class CreateServiceDto {
  @TextField({ max: 120, example: 'Haircut and beard trim' })
  name: string;

  @ApiProperty({ minimum: 5, maximum: 480, example: 45 })
  @IsInt()
  @Min(5)
  @Max(480)
  durationMinutes: number;

  @ApiProperty({
    minimum: 100,
    maximum: 100_000_000,
    example: 49_900,
    description: 'Integer paise (49900 = ₹499)',
  })
  @IsInt()
  @Min(100)
  @Max(100_000_000)
  pricePaise: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 120,
    default: 0,
    example: 10,
    description:
      'Minutes after the service in which that staff member takes no other booking; it must fit before closing',
  })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(120)
  bufferMinutes?: number;
}

/**
 * Any field of the POST body, none null. Live bookings keep the length they were booked with, so a new
 * `durationMinutes` or `bufferMinutes` is refused (409 SCHEDULE_CONFLICTS) while the service has live bookings.
 */
export class UpdateServiceDto extends PartialType(CreateServiceDto, { skipNullProperties: false }) {}

export class ServiceDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  shopId: string;

  @ApiProperty({ maxLength: 120 })
  name: string;

  @ApiProperty()
  durationMinutes: number;

  @ApiProperty({ description: 'Integer paise' })
  pricePaise: number;

  @ApiProperty({ minimum: 0, maximum: 120 })
  bufferMinutes: number;

  static from(service: ServiceOffering): ServiceDto {
    const { id, shopId, name, durationMinutes, pricePaise, bufferMinutes } = service;
    return { id, shopId, name, durationMinutes, pricePaise, bufferMinutes };
  }
}

export class CreateStaffDto {
  @TextField({ max: 100, example: 'Ravi' })
  name: string;
}

export class StaffDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  shopId: string;

  @ApiProperty({ maxLength: 100 })
  name: string;

  @ApiPropertyOptional({
    type: [OpeningIntervalDto],
    nullable: true,
    maxItems: MAX_OPENING_INTERVALS,
    description:
      "Own weekly hours; null = the shop's. Shown to the shop's owner and admins only: customers see them as slots",
  })
  workingHours?: OpeningIntervalDto[] | null;

  @ApiProperty({
    type: [String],
    nullable: true,
    maxItems: 200,
    items: { type: 'string', format: 'uuid' },
    description: 'The services they perform; null = every service',
  })
  serviceIds: string[] | null;

  static from(staff: StaffMember): StaffDto {
    const { id, shopId, name } = staff;
    return {
      id,
      shopId,
      name,
      workingHours: staff.workingHours ?? null,
      serviceIds: staff.serviceIds ?? null,
    };
  }

  /** What anyone may see: who performs what, not when they work (that shows as slots). */
  static forPublic(staff: StaffMember): StaffDto {
    const { workingHours: _hours, ...visible } = StaffDto.from(staff);
    return visible;
  }
}
