import { EmailField, EnumField, PasswordField, PhoneField, TextField } from '../../common/validation/fields';
import { SELF_SERVICE_ROLES } from '../../users/role';

export class RegisterDto {
  @TextField({ max: 100, example: 'Asha Rao' })
  name: string;

  @EmailField()
  email: string;

  @PasswordField({ example: 'correct horse battery' })
  password: string;

  @PhoneField({ optional: true })
  phone?: string;

  @EnumField(SELF_SERVICE_ROLES, {
    optional: true,
    default: 'customer',
    description: 'Admins cannot register themselves',
  })
  role?: (typeof SELF_SERVICE_ROLES)[number];
}
