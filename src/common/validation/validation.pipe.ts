import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';

import { ValidationFailedError } from '../errors/domain-error';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      parent ? message.replace(error.property, path) : message,
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * Whitelisting, rejection of unknown properties and conversion of query strings, for every route. A body bound to
 * a DTO must be a JSON object: Nest's pipe would otherwise let a bare string or number through a DTO whose fields
 * are all optional. No body at all counts as an empty object.
 */
/**
 * A query DTO may offer a fast path for its commonest shape: `fromPlainQuery` returns the very instance the
 * transform and validation below would produce, or undefined (then they run as usual).
 */
interface WithPlainQuery {
  fromPlainQuery(query: unknown): object | undefined;
}

const hasPlainQuery = (metatype: unknown): metatype is WithPlainQuery =>
  typeof (metatype as Partial<WithPlainQuery> | undefined)?.fromPlainQuery === 'function';

@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      stopAtFirstError: false,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' && hasPlainQuery(metadata.metatype)) {
      const plain = metadata.metatype.fromPlainQuery(value);
      if (plain !== undefined) return plain;
    }
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) {
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationFailedError(['The request body must be a JSON object']);
      }
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe();
}
