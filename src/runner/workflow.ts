/**
 * The runner's side of a step, written out: inputs from INPUT_* variables, log lines and workflow
 * commands on stdout, outputs and state through the GITHUB_OUTPUT / GITHUB_STATE files, and the
 * OIDC token from the runner's token service. It replaces @actions/core on the fast path: that
 * package loads an HTTP client with undici (a third of the bundle), which cost every step tens of
 * milliseconds of compiling before it did anything. Behaviour is the runner's documented protocol:
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EOL } from 'node:os';
import { loadActionsCore } from './lazy';

/** `%`, CR and LF escaped, as the runner unescapes a command's message. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The message escaping plus `:` and `,`, for a command's properties. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type Write = (text: string) => void;
const stdout: Write = (text) => {
  process.stdout.write(text);
};

/** `::name prop=value::message` on a line of its own. */
export function command(
  name: string,
  message: string,
  properties: Record<string, string> = {},
  write: Write = stdout,
): void {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  write(`::${name}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/** An input as the runner passes it (INPUT_<NAME>, spaces as underscores), trimmed. */
export function getInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export function info(message: string, write: Write = stdout): void {
  write(`${message}${EOL}`);
}

export function debug(message: string, write: Write = stdout): void {
  command('debug', message, {}, write);
}

export function warning(message: string, write: Write = stdout): void {
  command('warning', message, {}, write);
}

export function error(message: string, write: Write = stdout): void {
  command('error', message, {}, write);
}

/** Masks a value in the job's logs from here on. */
export function setSecret(secret: string, write: Write = stdout): void {
  command('add-mask', secret, {}, write);
}

/** Marks the step failed (exit code 1 when the process ends) with an error annotation. */
export function setFailed(message: string, write: Write = stdout): void {
  process.exitCode = 1;
  error(message, write);
}

/**
 * `name<<delimiter` / value / `delimiter` appended to a runner file (GITHUB_OUTPUT, GITHUB_STATE);
 * the delimiter is random and must not occur in the name or the value.
 */
export function fileCommandEntry(
  name: string,
  value: string,
  delimiter = `ghadelimiter_${randomUUID()}`,
): string {
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Unexpected input: the name or value of ${name} contains the delimiter ${delimiter}`);
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

function fileCommand(
  variable: 'GITHUB_OUTPUT' | 'GITHUB_STATE',
  legacy: string,
  name: string,
  value: string,
  env: NodeJS.ProcessEnv,
  write: Write,
): void {
  const file = env[variable];
  if (file) {
    appendFileSync(file, fileCommandEntry(name, value), 'utf8');
    return;
  }
  // A runner too old for file commands: the (deprecated) stdout command.
  write(EOL);
  command(legacy, value, { name }, write);
}

export function setOutput(name: string, value: string, env = process.env, write: Write = stdout): void {
  fileCommand('GITHUB_OUTPUT', 'set-output', name, value, env, write);
}

export function saveState(name: string, value: string, env = process.env, write: Write = stdout): void {
  fileCommand('GITHUB_STATE', 'save-state', name, value, env, write);
}

/** State saved by this action's main step, in the post step (STATE_<name>). */
export function getState(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`STATE_${name}`] ?? '';
}

/** True when the runner reaches the network through a proxy (the token request must honour it). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((name) => Boolean(env[name]));
}

/**
 * An OIDC ID token for `audience` from the runner's token service (ACTIONS_ID_TOKEN_REQUEST_URL
 * with the request token as bearer; present only with `permissions: id-token: write`). Behind a
 * proxy it goes through @actions/core, whose HTTP client honours the proxy variables (loaded only then).
 */
export async function getIDToken(audience: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new Error(
      'Unable to get ACTIONS_ID_TOKEN_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable: the job has no id-token permission',
    );
  }
  if (proxyConfigured(env)) {
    const core = await loadActionsCore();
    return core.getIDToken(audience);
  }
  const url = new URL(requestUrl);
  url.searchParams.set('audience', audience);
  const { status, body } = await httpGet(url, {
    Authorization: `Bearer ${requestToken}`,
    Accept: 'application/json',
  }).catch((cause: unknown) => {
    throw new Error(`The token service did not answer: ${(cause as Error).message}`);
  });
  if (status < 200 || status > 299) throw new Error(`The token service answered HTTP ${status}`);
  let value: unknown;
  try {
    value = (JSON.parse(body) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value === '') throw new Error('The token service returned no token');
  return value;
}

/** A GET with node:http(s) (already loaded for S3; fetch would load Node's undici as well). */
function httpGet(url: URL, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end();
  });
}
