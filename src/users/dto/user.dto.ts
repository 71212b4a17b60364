import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { Role, ROLES } from '../role';
import { User } from '../user.entity';

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Asha Rao', maxLength: 100 })
  name: string;

  @ApiProperty({ format: 'email', example: 'asha@example.com', maxLength: 254 })
  email: string;

  @ApiPropertyOptional({
    example: '+919876543210',
    nullable: true,
    type: String,
    pattern: '^\\+[1-9][0-9]{7,14}$',
    maxLength: 16,
  })
  phone: string | null;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  static from(user: User): UserDto {
    return {
      id: user.id,
      name: user.name,
      email: user.email,
      phone: user.phone,
      role: user.role,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
