import { ValidateIf } from 'class-validator';

/**
 * The property may be left out, but when present it must be valid: unlike @IsOptional(), null is not let through
 * (a JSON null would otherwise reach the database as a missing value).
 */
export const Optional = () => ValidateIf((_object, value) => value !== undefined);
