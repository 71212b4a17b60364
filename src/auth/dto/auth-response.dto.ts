import { ApiProperty } from '@nestjs/swagger';

import { UserDto } from '../../users/dto/user.dto';

export class AuthResponseDto {
  @ApiProperty({ type: UserDto })
  user: UserDto;

  @ApiProperty({ description: 'Bearer token for the Authorization header (JWT, HS256)', maxLength: 2048 })
  accessToken: string;

  @ApiProperty({ description: 'Single-use token for POST /auth/refresh', maxLength: 200 })
  refreshToken: string;

  @ApiProperty({ description: 'Lifetime of the access token in seconds', example: 900 })
  expiresIn: number;
}
