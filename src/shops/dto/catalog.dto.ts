import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

import { TextField } from '../../common/validation/fields';
import { ServiceOffering } from '../service-offering.entity';
import { StaffMember } from '../staff-member.entity';

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
}

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

  static from(service: ServiceOffering): ServiceDto {
    const { id, shopId, name, durationMinutes, pricePaise } = service;
    return { id, shopId, name, durationMinutes, pricePaise };
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

  static from(staff: StaffMember): StaffDto {
    const { id, shopId, name } = staff;
    return { id, shopId, name };
  }
}
