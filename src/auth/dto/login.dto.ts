import { ApiProperty } from '@nestjs/swagger';
import { IsString, MinLength } from 'class-validator';

import { EmailField } from '../../common/validation/fields';

export class LoginDto {
  @EmailField()
  email: string;

  /**
   * No length rule (the body limit bounds it): an over-long password is answered 401 like any wrong one, not 400,
   * so signing in never says more than "wrong e-mail or password" (PasswordHasher.verify decides). The document
   * still says 72, since no password longer than that was ever set.
   */
  @ApiProperty({
    format: 'password',
    example: 'correct horse battery',
    minLength: 1,
    maxLength: 72,
    description: 'Anything longer than a password can be is answered 401, like any wrong password',
  })
  @IsString()
  @MinLength(1)
  password: string;
}
