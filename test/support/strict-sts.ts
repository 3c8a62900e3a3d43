/**
 * A reverse proxy in front of moto's STS that refuses the AssumeRole calls AWS STS refuses and moto
 * accepts, and records what each call asked for. moto 5 ignores Tags and SourceIdentity entirely
 * (they are neither checked nor stored), does not look at the role, its trust policy or its
 * max_session_duration, and issues credentials whose use it never checks against a policy. This
 * proxy adds the parameter rules of the AssumeRole API reference
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html and API_Tag.html):
 *
 * - RoleSessionName and SourceIdentity: 2 to 64 characters of `[\w+=,.@-]`; SourceIdentity may not
 *   start with `aws:`;
 * - DurationSeconds: 900 to 43200, and at most the role's maximum session duration (this fake's
 *   `maxSessionSeconds`, default 3600, as a role created without max_session_duration);
 * - Tags: at most 50; keys 1 to 128 characters and values 0 to 256 characters of
 *   `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; no two keys that differ only in case.
 *
 * A refusal is the Query API's error document with HTTP 400 and code ValidationError, as STS sends
 * it. Tag-policy evaluation (the `${aws:PrincipalTag/…}` resources) is not here: h13's IAM policy
 * matrix proves that with a policy simulator.
 */
import { createServer, IncomingMessage, request as httpRequest, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export const STS_NAME = /^[\w+=,.@-]{2,64}$/;
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
export const MAX_SESSION_TAGS = 50;
export const MIN_DURATION_S = 900;
export const MAX_DURATION_S = 43_200;

export interface AssumeRoleRecord {
  roleArn: string;
  roleSessionName: string;
  sourceIdentity?: string;
  durationSeconds?: number;
  tags: Record<string, string>;
  /** 200 when forwarded to moto and answered, 400 when refused here. */
  status: number;
  refusal?: string;
  /** What moto answered (secrets a test checks never leak), empty when refused. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export interface StrictSts {
  endpoint: string;
  calls: AssumeRoleRecord[];
  stop(): Promise<void>;
}

/** Reads the Tags.member.N.Key / .Value pairs of a Query API form. */
function tagsOf(form: URLSearchParams): { pairs: [string, string][]; count: number } {
  const pairs: [string, string][] = [];
  for (let n = 1; form.has(`Tags.member.${n}.Key`); n++) {
    pairs.push([form.get(`Tags.member.${n}.Key`) ?? '', form.get(`Tags.member.${n}.Value`) ?? '']);
  }
  return { pairs, count: pairs.length };
}

/** Why STS would refuse this AssumeRole, or undefined. */
export function assumeRoleRefusal(form: URLSearchParams, maxSessionSeconds: number): string | undefined {
  const session = form.get('RoleSessionName') ?? '';
  if (!STS_NAME.test(session)) {
    return `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and length 2-64`;
  }
  const source = form.get('SourceIdentity');
  if (source !== null) {
    if (!STS_NAME.test(source)) {
      return `1 validation error detected: Value '${source}' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and length 2-64`;
    }
    if (/^aws:/i.test(source)) return 'SourceIdentity cannot start with aws:';
  }
  const durationRaw = form.get('DurationSeconds');
  if (durationRaw !== null) {
    const duration = Number(durationRaw);
    if (!Number.isInteger(duration) || duration < MIN_DURATION_S || duration > MAX_DURATION_S) {
      return `1 validation error detected: Value '${durationRaw}' at 'durationSeconds' failed to satisfy constraint: Member must have value between ${MIN_DURATION_S} and ${MAX_DURATION_S}`;
    }
    if (duration > maxSessionSeconds) {
      return `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`;
    }
  }
  const { pairs } = tagsOf(form);
  if (pairs.length > MAX_SESSION_TAGS) {
    return `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SESSION_TAGS}`;
  }
  const seen = new Set<string>();
  for (const [key, value] of pairs) {
    if (!TAG_KEY.test(key))
      return `1 validation error detected: Value '${key}' at 'tags.member.key' failed to satisfy constraint`;
    if (!TAG_VALUE.test(value)) {
      return `1 validation error detected: Value '${value}' at 'tags.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`;
    }
    if (seen.has(key.toLowerCase()))
      return `Duplicate tag keys found. Please note that Tag keys are case insensitive.`;
    seen.add(key.toLowerCase());
  }
  return undefined;
}

function errorDocument(message: string): string {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
    `<Code>ValidationError</Code><Message>${escaped}</Message></Error><RequestId>strict-sts</RequestId></ErrorResponse>`
  );
}

export async function startStrictSts(
  motoEndpoint: string,
  options: { maxSessionSeconds?: number } = {},
): Promise<StrictSts> {
  const target = new URL(motoEndpoint);
  const maxSessionSeconds = options.maxSessionSeconds ?? 3600;
  const calls: AssumeRoleRecord[] = [];

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    record?: AssumeRoleRecord,
  ): void => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        timeout: 10_000,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!record) {
          answer.pipe(res);
          return;
        }
        record.status = answer.statusCode ?? 0;
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const xml = Buffer.concat(parts).toString('utf8');
          const field = (name: string): string =>
            new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
          record.credentials = {
            accessKeyId: field('AccessKeyId'),
            secretAccessKey: field('SecretAccessKey'),
            sessionToken: field('SessionToken'),
          };
          res.end(xml);
        });
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('moto did not answer in 10 s')));
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('Action') !== 'AssumeRole') return forward(req, res, body);
      const duration = form.get('DurationSeconds');
      const source = form.get('SourceIdentity');
      const record: AssumeRoleRecord = {
        roleArn: form.get('RoleArn') ?? '',
        roleSessionName: form.get('RoleSessionName') ?? '',
        ...(source !== null ? { sourceIdentity: source } : {}),
        ...(duration !== null ? { durationSeconds: Number(duration) } : {}),
        tags: Object.fromEntries(tagsOf(form).pairs),
        status: 0,
        credentials: { accessKeyId: '', secretAccessKey: '', sessionToken: '' },
      };
      calls.push(record);
      const refusal = assumeRoleRefusal(form, maxSessionSeconds);
      if (refusal) {
        record.status = 400;
        record.refusal = refusal;
        res.writeHead(400, { 'content-type': 'text/xml' }).end(errorDocument(refusal));
        return;
      }
      forward(req, res, body, record);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
