import { registerDecorator, ValidationArguments } from 'class-validator';
import { IANAZone } from 'luxon';

import { openingHoursProblems, OpeningInterval } from '../../../libs/schedule/opening-hours';

/** Canonical spelling only ("Asia/Kolkata", not "asia/kolkata" or "+05:30"), and known to the tz database. */
const ZONE_NAME = /^(UTC|[A-Z][A-Za-z_-]*(\/[A-Za-z0-9_+-]+)+)$/;

/** Longer than any zone name of the tz database (the longest, America/Argentina/ComodRivadavia, is 32). */
export const TIME_ZONE_MAX_LENGTH = 64;

export function isIanaTimeZone(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= TIME_ZONE_MAX_LENGTH &&
    ZONE_NAME.test(value) &&
    IANAZone.isValidZone(value)
  );
}

export function IsIanaTimeZone(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: isIanaTimeZone,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an IANA time zone such as Asia/Kolkata`,
      },
    });
}

/** Cross-interval rules (no overlaps on a weekday) that per-item validation cannot see. */
export function HasConsistentOpeningHours(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasConsistentOpeningHours',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          !Array.isArray(value) || openingHoursProblems(value as OpeningInterval[]).length === 0,
        defaultMessage: (args: ValidationArguments) =>
          openingHoursProblems(args.value as OpeningInterval[]).join('; '),
      },
    });
}
