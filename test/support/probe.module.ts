import { Controller, Get, Module } from '@nestjs/common';

import { Public, Roles } from '../../src/common/decorators/auth.decorators';

/** Routes that exist only in tests, to exercise the global guards and the error filter directly. */
@Controller('probe')
class ProbeController {
  @Get('admin')
  @Roles('admin')
  admin() {
    return { ok: 'admin' };
  }

  @Get('staff')
  @Roles('shop_owner', 'admin')
  staff() {
    return { ok: 'staff' };
  }

  @Get('boom')
  @Public()
  boom(): never {
    throw new Error('secret internals at /srv/app/db.ts:42');
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
