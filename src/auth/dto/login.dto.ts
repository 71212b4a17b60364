import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

import { EmailField } from '../../common/validation/fields';

export class LoginDto {
  @EmailField()
  email: string;

  /** No length rule beyond bcrypt's: a wrong password of any length is simply wrong. */
  @ApiProperty({ format: 'password', example: 'correct horse battery' })
  @IsString()
  @MinLength(1)
  @MaxLength(72)
  password: string;
}
