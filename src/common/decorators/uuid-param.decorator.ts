import { Param, ParseUUIDPipe } from '@nestjs/common';

/** A route parameter that must be a UUID (400 otherwise), e.g. `@UuidParam('id') shopId: string`. */
export const UuidParam = (name: string) => Param(name, new ParseUUIDPipe());
