/**
 * A scriptable fake of the runner's OIDC token service on loopback, for tests that compare how
 * clients react to its faults. Its contract, from GitHub's documentation of the request
 * (`GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud>` with `Authorization: Bearer
 * $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answer `{"value": "<jwt>"}`): only GET, and only with the
 * request token as bearer; anything else is refused with 405 or 401 before any script runs.
 *
 * Each scenario lives under its own path prefix, `/<scenario>/…`, and answers from a script: the
 * n-th request of that scenario gets step n (the last step repeats). Every request is recorded.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { makeJwt } from './oidc';

export type Step =
  /** A 200 answer with a fresh JWT in `value`. */
  | { kind: 'token' }
  /** Any status and body; `location` is sent as Location with {base} and {other} replaced. */
  | { kind: 'answer'; status: number; body?: string; location?: string }
  /** Accept the request and never answer (the socket stays open until stop()). */
  | { kind: 'hang' }
  /** Headers, then one byte of body every `intervalMs`, never ending. */
  | { kind: 'trickle'; intervalMs: number }
  /** Close the connection without an answer. */
  | { kind: 'reset' }
  /** Headers and part of the body, then close the connection. */
  | { kind: 'cut' };

export interface SeenRequest {
  scenario: string;
  /** Path and query as sent. */
  url: string;
  host: string;
  /** Header names lowercased; values as sent. */
  headers: Record<string, string>;
  /** Whether the Authorization header carried the request token. */
  authorized: boolean;
  refused: boolean;
}

export interface TokenService {
  /** http://127.0.0.1:<port> */
  base: string;
  /** The same service on another loopback address (http://127.0.0.2:<port>), for cross-host redirects. */
  other: string;
  requestToken: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL for a scenario (with a query string, like the real one). */
  urlFor(scenario: string): string;
  script(scenario: string, steps: Step[]): void;
  requests(scenario: string): SeenRequest[];
  /** Every token handed out: secrets that must never be printed unmasked. */
  tokens: string[];
  stop(): Promise<void>;
}

export async function startTokenService(): Promise<TokenService> {
  const requestToken = `request-token-${randomBytes(12).toString('hex')}`;
  const scripts = new Map<string, Step[]>();
  const seen: SeenRequest[] = [];
  const tokens: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let base = '';
  let other = '';

  const handle = (req: IncomingMessage, res: ServerResponse, crossHost: boolean): void => {
    const url = req.url ?? '/';
    const scenario = url.split('/')[1] ?? '';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    const record: SeenRequest = {
      scenario,
      url,
      host: req.headers.host ?? '',
      headers,
      authorized,
      refused: false,
    };
    seen.push(record);
    const refuse = (status: number, message: string): void => {
      record.refused = true;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message }));
    };
    if (req.method !== 'GET') return refuse(405, `Method ${req.method} is not allowed`);
    // The other host is where a redirect leads: the script decides what a request there gets.
    if (!authorized && !crossHost)
      return refuse(401, 'Bad credentials: the request token is missing or wrong');

    const steps = scripts.get(scenario) ?? [{ kind: 'token' }];
    const index = seen.filter((r) => r.scenario === scenario).length - 1;
    const step = steps[Math.min(index, steps.length - 1)];
    switch (step.kind) {
      case 'token': {
        const audience = new URL(url, base).searchParams.get('audience') ?? '';
        const token = makeJwt(audience);
        tokens.push(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ count: 1, value: token }));
        return;
      }
      case 'answer': {
        const location = step.location?.replace('{base}', base).replace('{other}', other);
        res.writeHead(step.status, location ? { location } : {});
        res.end(step.body ?? '');
        return;
      }
      case 'hang':
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), step.intervalMs);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'cut':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"value":"eyJ', () => req.socket.destroy());
        return;
    }
  };

  const listen = async (address: string, crossHost: boolean): Promise<{ server: Server; url: string }> => {
    const server = createServer((req, res) => handle(req, res, crossHost));
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    return { server, url: `http://${address}:${(server.address() as AddressInfo).port}` };
  };
  const main = await listen('127.0.0.1', false);
  const second = await listen('127.0.0.2', true);
  base = main.url;
  other = second.url;

  return {
    base,
    other,
    requestToken,
    urlFor: (scenario) => `${base}/${scenario}/token?api-version=2.0`,
    script: (scenario, steps) => void scripts.set(scenario, steps),
    requests: (scenario) => seen.filter((r) => r.scenario === scenario),
    tokens,
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all([main, second].map(({ server }) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
