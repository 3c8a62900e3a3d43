import { Json, JsonError, field, isObject, parseJson } from '../src/json';

/** What JSON.parse gives, for documents without repeated keys. */
function plain(value: Json): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (isObject(value)) return Object.fromEntries(value.entries.map(([key, item]) => [key, plain(item)]));
  return value;
}

describe('parseJson', () => {
  it('reads what JSON.parse reads: escapes, unicode, numbers, nesting', () => {
    const text = JSON.stringify({
      a: 'tab\there "quoted" back\\slash \u0001 \u00e9 \ud83d\ude00 /',
      n: [0, -1.5, 2e10, 1e-3],
      b: [true, false, null],
      o: { nested: { deeper: [] } },
    });
    expect(plain(parseJson(text))).toEqual(JSON.parse(text));
    expect(parseJson('"\\u0041\\/"')).toBe('A/');
  });

  it('keeps repeated keys in order, which field() refuses', () => {
    const doc = parseJson('{"Privileged":true,"privileged":false,"Privileged":true}');
    expect(isObject(doc) && doc.entries.length).toBe(3);
    expect(() => field(doc, 'Privileged')).toThrow(JsonError);
    expect(field(parseJson('{"Binds":["/x:/y"]}'), 'binds')).toEqual(['/x:/y']);
  });

  it.each([
    ['{"a":1', 'a missing comma or brace'],
    ['{"a" 1}', 'a missing colon'],
    ['"unterminated', 'an unterminated string'],
    ['"bad \\x escape"', 'a bad escape'],
    ['"raw \u0001 control"', 'a control character'],
    ['{} {}', 'text after the value'],
    ['[01]', 'a missing comma or bracket'],
    ['{a:1}', 'a key that is not a string'],
    ['['.repeat(100), 'nesting deeper than 64'],
  ])('refuses %s (%s)', (text, why) => {
    expect(() => parseJson(text)).toThrow(why);
  });

  it('parses a body of about 1 MiB of long strings', () => {
    const body = JSON.stringify({ Env: Array.from({ length: 2000 }, (_, i) => `V${i}=${'a'.repeat(480)}`) });
    const env = field(parseJson(body), 'Env');
    expect(Array.isArray(env) && env.length).toBe(2000);
  });
});
