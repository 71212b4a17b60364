import 'reflect-metadata';

import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

import { AppValidationPipe } from '../../common/validation/validation.pipe';
import { SearchShopsQueryDto } from './search-shops.query.dto';

/** What the pipe makes of a query without the fast path: class-transformer and class-validator. */
async function slowPath(query: object): Promise<unknown> {
  const pipe = new AppValidationPipe();
  const metadata: ArgumentMetadata = { type: 'query', metatype: SearchShopsQueryDto };
  return ValidationPipe.prototype.transform.call(pipe, query, metadata).then(
    (value) => ({ ok: value }),
    (error: Error) => ({ error: error.constructor.name, message: error.message }),
  );
}

async function viaPipe(query: object): Promise<unknown> {
  const metadata: ArgumentMetadata = { type: 'query', metatype: SearchShopsQueryDto };
  return new AppValidationPipe().transform(query, metadata).then(
    (value) => ({ ok: value }),
    (error: Error) => ({ error: error.constructor.name, message: error.message }),
  );
}

describe('SearchShopsQueryDto.fromPlainQuery (the validation pipe fast path)', () => {
  const queries: Array<Record<string, unknown>> = [
    { lat: '12.9716', lng: '77.5946' },
    { lat: '-90', lng: '180' },
    { lat: '90.0', lng: '-180.000' },
    { lat: '0', lng: '0' },
    { lat: '-0', lng: '012.5' },
    { lat: '90.0000000000000000001', lng: '1' },
    { lat: '90.1', lng: '1' },
    { lat: '1', lng: '180.5' },
    { lat: '', lng: '1' },
    { lat: ' 1', lng: '1' },
    { lat: '1e1', lng: '1' },
    { lat: '0x10', lng: '1' },
    { lat: 'abc', lng: '1' },
    { lat: '1.', lng: '1' },
    { lat: '.5', lng: '1' },
    { lat: ['1', '2'], lng: '1' },
    { lat: '1' },
    { lat: '1', lng: '1', limit: '5' },
    { lat: '1', lng: '1', other: 'x' },
  ];

  it.each(queries.map((query) => [JSON.stringify(query), query]))(
    'gives what class-transformer and class-validator give: %s',
    async (_label, query) => {
      const fast = SearchShopsQueryDto.fromPlainQuery(query);
      const slow = await slowPath(query);
      expect(await viaPipe(query)).toEqual(slow);
      if (fast !== undefined) {
        expect(slow).toEqual({ ok: fast });
        expect((slow as { ok: object }).ok).toBeInstanceOf(SearchShopsQueryDto);
        expect(Object.keys(fast).sort()).toEqual(Object.keys((slow as { ok: object }).ok).sort());
      }
    },
  );

  it('takes only lat and lng alone, as plain decimals in range', () => {
    expect(SearchShopsQueryDto.fromPlainQuery({ lat: '12.9716', lng: '77.5946' })).toBeDefined();
    expect(
      SearchShopsQueryDto.fromPlainQuery({ lat: '12.9716', lng: '77.5946', limit: '5' }),
    ).toBeUndefined();
    expect(SearchShopsQueryDto.fromPlainQuery({ lat: '91', lng: '0' })).toBeUndefined();
    expect(SearchShopsQueryDto.fromPlainQuery({ lat: '1e1', lng: '0' })).toBeUndefined();
  });
});
