/**
 * What the daemon sends to an authorization plugin (moby pkg/authorization, `Request`), and the request
 * it describes in the form the rules read: the route without its API version, the query, the JSON body.
 */
import { Json, JsonError, parseJson } from './json';

/** The fields of moby's authorization.Request that the rules read (JSON names as the daemon sends them). */
export interface AuthzRequest {
  RequestMethod?: string;
  RequestUri?: string;
  /** base64 (Go []byte); only when Content-Type is application/json and Content-Length is 1..1 MiB-1. */
  RequestBody?: string | null;
  RequestHeaders?: Record<string, string> | null;
}

export interface DockerRequest {
  method: string;
  /** The route as the daemon's router matches it: percent-decoded, cleaned, version prefix removed. */
  path: string;
  /** path split on '/', empty segments dropped: ['containers', '<id>', 'start']. */
  segments: string[];
  /** The query as Go's url.ParseQuery reads it (every value of each key, in order). */
  query: Map<string, string[]>;
  /** The header value, case-insensitive name; undefined if absent. */
  header(name: string): string | undefined;
  /** The JSON body, if the daemon sent one; undefined when it sent none. */
  body: Json | undefined;
}

export class RequestError extends Error {}

/** Go's url.PathUnescape-like decoding: refuses a malformed escape (the daemon answers 400 to those). */
function percentDecode(text: string, what: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(text)) throw new RequestError(`the ${what} has a malformed %-escape`);
  try {
    return decodeURIComponent(text);
  } catch {
    // Percent-escapes that are not UTF-8: Go keeps the bytes; decode them one by one as Latin-1.
    return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Like Go's path.Clean on an absolute path: no empty, '.' or '..' segments. */
export function cleanPath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return '/' + out.join('/');
}

/** The daemon's routes may start with /v<version>: /v1.41/containers/create and /containers/create are one route. */
const VERSION_PREFIX = /^\/v[0-9][0-9.]*(?=\/|$)/;

export function parseQuery(query: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  if (query === '') return result;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawKey = equals < 0 ? pair : pair.slice(0, equals);
    const rawValue = equals < 0 ? '' : pair.slice(equals + 1);
    const key = percentDecode(rawKey.replace(/\+/g, ' '), 'query');
    const value = percentDecode(rawValue.replace(/\+/g, ' '), 'query');
    result.set(key, [...(result.get(key) ?? []), value]);
  }
  return result;
}

export function describeRequest(request: AuthzRequest): DockerRequest {
  const method = (request.RequestMethod ?? '').toUpperCase();
  const uri = request.RequestUri ?? '';
  const question = uri.indexOf('?');
  const rawPath = question < 0 ? uri : uri.slice(0, question);
  const rawQuery = question < 0 ? '' : uri.slice(question + 1);
  // The router matches the decoded path; lower case so that no spelling of a route slips past a rule
  // (the router itself is case-sensitive, so this only ever makes a rule apply more often).
  const decoded = cleanPath(percentDecode(rawPath, 'path')).toLowerCase();
  const path = cleanPath(decoded.replace(VERSION_PREFIX, ''));
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.RequestHeaders ?? {})) headers.set(name.toLowerCase(), value);
  let body: Json | undefined;
  if (request.RequestBody) {
    const text = Buffer.from(request.RequestBody, 'base64').toString('utf8');
    try {
      body = parseJson(text);
    } catch (error) {
      throw new RequestError(error instanceof JsonError ? error.message : String(error));
    }
  }
  return {
    method,
    path,
    segments: path.split('/').filter((segment) => segment !== ''),
    query: parseQuery(rawQuery),
    header: (name) => headers.get(name.toLowerCase()),
    body,
  };
}
