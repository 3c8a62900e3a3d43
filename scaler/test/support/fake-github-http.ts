/**
 * The HTTP plumbing of the fake GitHub: route templates, GitHub-shaped error bodies, pagination with
 * Link headers, body reading with a size bound, and writing replies.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { REST_DOCS_ROOT } from './fake-github-rules';

export type PermissionLevel = 'read' | 'write' | 'admin';

export interface Ctx {
  /** The rate-limit bucket of the caller (installation or App). */
  rateKey: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  method: string;
  baseUrl: string;
  path: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type AuthKind = 'none' | 'jwt' | 'installation' | 'registration';

export interface Route {
  method: string;
  template: string;
  regex: RegExp;
  keys: string[];
  auth: AuthKind;
  permission?: [string, PermissionLevel];
  handle(ctx: Ctx): Reply;
}

export const LEVELS: Record<PermissionLevel, number> = { read: 1, write: 2, admin: 3 };
export const MAX_BODY_BYTES = 1024 * 1024;

export function route(
  method: string,
  template: string,
  auth: AuthKind,
  handle: (ctx: Ctx) => Reply,
  permission?: [string, PermissionLevel],
): Route {
  const keys: string[] = [];
  const source = template
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{(\w+)\\?\}/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
  return { method, template, regex: new RegExp(`^${source}$`), keys, auth, permission, handle };
}

export function error(
  status: number,
  message: string,
  documentationUrl: string = REST_DOCS_ROOT,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: { message, documentation_url: documentationUrl, status: String(status), ...extra } };
}

export function validation(message: string, documentationUrl: string): Reply {
  return error(422, `Invalid request.\n\n${message}`, documentationUrl);
}

export function linkHeader(link: string | undefined): Record<string, string> {
  return link ? { link } : {};
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function paginate<T>(items: T[], ctx: Ctx): { page: T[]; link?: string } {
  const perPage = Math.min(100, Math.max(1, Number.parseInt(ctx.query.get('per_page') ?? '30', 10) || 30));
  const pageNo = Math.max(1, Number.parseInt(ctx.query.get('page') ?? '1', 10) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const page = items.slice((pageNo - 1) * perPage, pageNo * perPage);
  const link = (p: number, rel: string): string => {
    const q = new URLSearchParams(ctx.query);
    q.set('per_page', String(perPage));
    q.set('page', String(p));
    return `<${ctx.baseUrl}${ctx.path}?${q.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (pageNo > 1) parts.push(link(pageNo - 1, 'prev'));
  if (pageNo < last) parts.push(link(pageNo + 1, 'next'), link(last, 'last'));
  if (pageNo > 1) parts.push(link(1, 'first'));
  return { page, link: parts.length > 0 ? parts.join(', ') : undefined };
}

export function send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  const all: Record<string, string> = { ...headers, ...(reply.headers ?? {}) };
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, all);
    res.end();
    return;
  }
  if (typeof reply.body === 'string') {
    res.writeHead(reply.status, { ...all, 'content-type': 'text/plain; charset=utf-8' });
    res.end(reply.body);
    return;
  }
  res.writeHead(reply.status, { ...all, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(reply.body));
}
