/**
 * A recording reverse proxy in front of moto on loopback. The action's `endpoint` and `sts-endpoint`
 * point here; every request is forwarded unchanged and recorded (method, path, the headers that matter
 * to the contract, status), and the AssumeRoleWithWebIdentity calls (role ARN, session name, web
 * identity token) and the credentials moto hands back are kept, so a test can check which role was
 * assumed, which writes a step made, and that none of those secrets leaks into logs, state or outputs.
 */
import { createServer, request as httpRequest, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query string, e.g. `/bucket/key?uploadId=1`. */
  url: string;
  status: number;
  ifNoneMatch: string | undefined;
  range: string | undefined;
  /** For STS: the API action (AssumeRoleWithWebIdentity, ...); empty for S3. */
  stsAction: string;
}

export interface AssumeRoleCall {
  action: string;
  roleArn: string;
  roleSessionName: string;
  webIdentityToken: string;
  status: number;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface RecordingProxy {
  endpoint: string;
  requests: RecordedRequest[];
  assumeRoleCalls: AssumeRoleCall[];
  /** Secrets seen so far: web identity tokens, STS secret keys and session tokens. */
  secrets(): string[];
  /**
   * When set and it returns a status for a request, the proxy answers that status with an empty
   * body instead of forwarding (e.g. 404 to a HEAD, to open the race between a check and a write).
   */
  override: ((method: string, url: string) => number | undefined) | undefined;
  stop(): Promise<void>;
}

function field(body: string, name: string): string {
  const xml = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  if (xml) return xml[1];
  const json = new RegExp(`"${name}"\\s*:\\s*"([^"]*)"`).exec(body);
  return json ? json[1] : '';
}

function parseForm(body: string, contentType: string | undefined): Record<string, string> {
  if (contentType?.includes('json')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  if (contentType?.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  return {};
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const assumeRoleCalls: AssumeRoleCall[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks);
      const contentType = header(req, 'content-type');
      const form = parseForm(requestBody.toString('utf8'), contentType);
      const stsAction = form.Action ?? header(req, 'x-amz-target')?.split('.').pop() ?? '';
      const forced = proxy.override?.(req.method ?? '', req.url ?? '');
      if (forced !== undefined) {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          status: forced,
          ifNoneMatch: header(req, 'if-none-match'),
          range: header(req, 'range'),
          stsAction,
        });
        res.writeHead(forced, { 'content-length': '0' }).end();
        return;
      }
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => answerChunks.push(c));
          answer.on('end', () => {
            const answerBody = Buffer.concat(answerChunks);
            const status = answer.statusCode ?? 502;
            requests.push({
              method: req.method ?? '',
              url: req.url ?? '',
              status,
              ifNoneMatch: header(req, 'if-none-match'),
              range: header(req, 'range'),
              stsAction,
            });
            if (stsAction.startsWith('AssumeRole')) {
              const text = answerBody.toString('utf8');
              assumeRoleCalls.push({
                action: stsAction,
                roleArn: form.RoleArn ?? '',
                roleSessionName: form.RoleSessionName ?? '',
                webIdentityToken: form.WebIdentityToken ?? '',
                status,
                accessKeyId: field(text, 'AccessKeyId'),
                secretAccessKey: field(text, 'SecretAccessKey'),
                sessionToken: field(text, 'SessionToken'),
              });
            }
            res.writeHead(status, answer.headers);
            res.end(answerBody);
          });
        },
      );
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(error));
      });
      forward.end(requestBody);
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const proxy: RecordingProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    assumeRoleCalls,
    override: undefined,
    secrets: () =>
      assumeRoleCalls
        .flatMap((c) => [c.webIdentityToken, c.secretAccessKey, c.sessionToken])
        .filter((s) => s.length >= 8),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
