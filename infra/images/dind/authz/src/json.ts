/**
 * A JSON reader that keeps what Go's encoding/json (the daemon's decoder) would see and JSON.parse hides.
 *
 * Go matches a JSON key to a struct field case-insensitively, folding `ſ` (U+017F) to `s` and the Kelvin
 * sign (U+212A) to `k`, and when a key repeats the last one wins. JSON.parse keeps one entry per exact key.
 * So `{"HostConfig":{"Privileged":false,"privileged":true}}` is privileged for the daemon; this reader
 * keeps every entry in order, and `field()` refuses an object where two keys fold to the same field name,
 * so a rule never reads a different value than the daemon.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  readonly kind: 'object';
  /** Every key with its value, in document order, duplicates kept. */
  readonly entries: readonly (readonly [string, Json])[];
}

export class JsonError extends Error {}

/** Deepest nesting accepted: Docker's request bodies nest a few levels; this bounds the recursion. */
const MAX_DEPTH = 64;

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How Go's encoding/json compares a key with a field name. */
export function foldKey(key: string): string {
  return key.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase();
}

/**
 * The value of the field `name` of an object, as the daemon decodes it into a struct; undefined if absent.
 * Throws JsonError when two keys of the object fold to the same name (the daemon would take the last,
 * a reader that took the first would be fooled; no client sends both).
 */
export function field(object: Json | undefined, name: string): Json | undefined {
  if (!isObject(object)) return undefined;
  const wanted = foldKey(name);
  let found: Json | undefined;
  let count = 0;
  for (const [key, value] of object.entries) {
    if (foldKey(key) === wanted) {
      found = value;
      count += 1;
    }
  }
  if (count > 1) throw new JsonError(`the request names the field ${name} ${count} times (in different cases)`);
  return found;
}

/** The keys and values of a JSON object used as a map (Go map[string]…: exact keys, the last one wins). */
export function mapEntries(object: Json | undefined): [string, Json][] {
  if (!isObject(object)) return [];
  const map = new Map<string, Json>();
  for (const [key, value] of object.entries) map.set(key, value);
  return [...map.entries()];
}

export function parseJson(text: string): Json {
  let at = 0;
  const fail = (what: string): never => {
    throw new JsonError(`the request body is not valid JSON: ${what} at offset ${at}`);
  };
  const skipSpace = () => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\t' || text[at] === '\n' || text[at] === '\r')) {
      at += 1;
    }
  };
  // The next quote, backslash or control character: plain runs of a string are copied in one slice
  // (a 1 MiB body of long strings parses in milliseconds, not a second).
  // eslint-disable-next-line no-control-regex -- control characters are what JSON forbids in strings
  const special = /["\\\u0000-\u001f]/g;
  const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  const readString = (): string => {
    at += 1; // the opening quote
    let out = '';
    for (;;) {
      special.lastIndex = at;
      const found = special.exec(text);
      if (found === null) return fail('an unterminated string');
      out += text.slice(at, found.index);
      at = found.index;
      const char = found[0];
      if (char === '"') {
        at += 1;
        return out;
      }
      if (char !== '\\') fail('a control character in a string');
      const escape = text[at + 1];
      if (escape !== undefined && escape in simple) {
        out += simple[escape];
        at += 2;
      } else if (escape === 'u') {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('a bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else {
        fail('a bad escape');
      }
    }
  };
  const readValue = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    skipSpace();
    const char = text[at];
    if (char === '{') {
      at += 1;
      const entries: [string, Json][] = [];
      skipSpace();
      if (text[at] === '}') {
        at += 1;
        return { kind: 'object', entries };
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail('a key that is not a string');
        const key = readString();
        skipSpace();
        if (text[at] !== ':') fail('a missing colon');
        at += 1;
        entries.push([key, readValue(depth + 1)]);
        skipSpace();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        if (text[at] === '}') {
          at += 1;
          return { kind: 'object', entries };
        }
        fail('a missing comma or brace');
      }
    }
    if (char === '[') {
      at += 1;
      const items: Json[] = [];
      skipSpace();
      if (text[at] === ']') {
        at += 1;
        return items;
      }
      for (;;) {
        items.push(readValue(depth + 1));
        skipSpace();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        if (text[at] === ']') {
          at += 1;
          return items;
        }
        fail('a missing comma or bracket');
      }
    }
    if (char === '"') return readString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at, at + 64));
    if (number) {
      at += number[0].length;
      return Number(number[0]);
    }
    return fail('an unexpected character');
  };
  const value = readValue(0);
  skipSpace();
  if (at !== text.length) fail('text after the value');
  return value;
}
