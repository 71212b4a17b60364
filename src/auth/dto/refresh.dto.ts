import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  @ApiProperty({
    description: 'The refresh token from the last login, registration or refresh',
    maxLength: 200,
  })
  @IsString()
  @MaxLength(200)
  refreshToken: string;
}
