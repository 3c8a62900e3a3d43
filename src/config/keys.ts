/** Key validation, with actions/cache's limits; errors name the input to fix. */
import { MAX_KEY_COUNT, MAX_KEY_LENGTH } from './constants';
import { ValidationError } from '../errors/errors';

function validateKey(key: string, input: string): void {
  if (key.length === 0) {
    throw new ValidationError(`Input required and not supplied: ${input} (a cache key must not be empty)`);
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new ValidationError(
      `Key Validation Error: a key in the ${input} input is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}. Shorten it (hash long parts with hashFiles()).`,
    );
  }
  if (key.includes(',')) {
    throw new ValidationError(
      `Key Validation Error: ${key} in the ${input} input contains a comma; commas are not allowed in keys.`,
    );
  }
}

/** Checks the primary key and the restore keys; throws a ValidationError naming the input. */
export function validateKeys(primaryKey: string, restoreKeys: readonly string[]): void {
  validateKey(primaryKey, 'key');
  for (const key of restoreKeys) validateKey(key, 'restore-keys');
  const count = 1 + restoreKeys.length;
  if (count > MAX_KEY_COUNT) {
    throw new ValidationError(
      `Key Validation Error: key and restore-keys hold ${count} keys together; the limit is ${MAX_KEY_COUNT}. Remove restore-keys.`,
    );
  }
}

/** Checks the key a save writes. */
export function validatePrimaryKey(primaryKey: string): void {
  validateKey(primaryKey, 'key');
}
