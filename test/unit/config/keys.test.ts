import { validateKeys, validatePrimaryKey } from '../../../src/config/keys';
import { ValidationError } from '../../../src/errors/errors';

describe('key validation', () => {
  it('accepts up to ten keys of up to 512 characters', () => {
    expect(() =>
      validateKeys(
        'a'.repeat(512),
        Array.from({ length: 9 }, (_, i) => `k${i}`),
      ),
    ).not.toThrow();
  });

  it('rejects an empty key naming the key input', () => {
    expect(() => validateKeys('', [])).toThrow(ValidationError);
    expect(() => validateKeys('', [])).toThrow(/key/);
  });

  it('rejects a comma naming the input that holds it', () => {
    expect(() => validateKeys('a,b', [])).toThrow(/key input contains a comma/);
    expect(() => validateKeys('a', ['b,c'])).toThrow(/restore-keys input contains a comma/);
  });

  it('rejects keys longer than 512 characters', () => {
    expect(() => validatePrimaryKey('x'.repeat(513))).toThrow(/513 characters long; the limit is 512/);
    expect(() => validateKeys('a', ['x'.repeat(513)])).toThrow(/restore-keys/);
  });

  it('rejects more than ten keys in total', () => {
    expect(() =>
      validateKeys(
        'a',
        Array.from({ length: 10 }, (_, i) => `k${i}`),
      ),
    ).toThrow(/11 keys/);
  });
});
