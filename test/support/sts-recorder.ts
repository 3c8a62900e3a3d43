/**
 * A recording reverse proxy in front of moto's STS on loopback: the action's `sts-endpoint` points
 * here, every request is forwarded unchanged, and the AssumeRoleWithWebIdentity calls (role ARN,
 * session name, web identity token) and the credentials moto hands back are recorded, so a test can
 * check which role was assumed and that none of those secrets leaks into logs, state or outputs.
 */
import { createServer, request as httpRequest, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

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

export interface StsRecorder {
  endpoint: string;
  calls: AssumeRoleCall[];
  /** Secrets handed out or received so far: web identity tokens, secret keys, session tokens. */
  secrets(): string[];
  stop(): Promise<void>;
}

function field(body: string, name: string): string {
  const xml = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  if (xml) return xml[1];
  const json = new RegExp(`"${name}"\\s*:\\s*"([^"]*)"`).exec(body);
  return json ? json[1] : '';
}

function parseRequest(body: string, contentType: string | undefined): Record<string, string> {
  if (contentType?.includes('json')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

export async function startStsRecorder(target: string): Promise<StsRecorder> {
  const upstream = new URL(target);
  const calls: AssumeRoleCall[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks);
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
            const params = parseRequest(requestBody.toString('utf8'), req.headers['content-type']);
            const target = String(req.headers['x-amz-target'] ?? '');
            const action = params.Action ?? target.split('.').pop() ?? '';
            if (action.startsWith('AssumeRole')) {
              const text = answerBody.toString('utf8');
              calls.push({
                action,
                roleArn: params.RoleArn ?? '',
                roleSessionName: params.RoleSessionName ?? '',
                webIdentityToken: params.WebIdentityToken ?? '',
                status: answer.statusCode ?? 0,
                accessKeyId: field(text, 'AccessKeyId'),
                secretAccessKey: field(text, 'SecretAccessKey'),
                sessionToken: field(text, 'SessionToken'),
              });
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(answerBody);
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502).end(String(error));
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
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    secrets: () =>
      calls
        .flatMap((c) => [c.webIdentityToken, c.secretAccessKey, c.sessionToken])
        .filter((s) => s.length >= 8),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
