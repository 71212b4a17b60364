import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';

/**
 * A route parameter that must be a UUID (400 otherwise), e.g. `@UuidParam('id') shopId: string`; documented as
 * one (Swagger would otherwise describe it as any string).
 */
export const UuidParam =
  (name: string): ParameterDecorator =>
  (target, key, index) => {
    Param(name, new ParseUUIDPipe())(target, key, index);
    const method = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && method) {
      ApiParam({ name, schema: { type: 'string', format: 'uuid', maxLength: 36 } })(target, key, method);
    }
  };
