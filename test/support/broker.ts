/**
 * Starts the broker's built bundle (broker/dist/index.js) behind a loopback HTTP server in its own
 * process (broker/test/support/serve.js), with only the environment given: the broker's settings
 * and its AWS endpoint, never the test's. `bash broker/build.sh` must have run.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const SERVE = resolve(__dirname, '../../broker/test/support/serve.js');
const BUNDLE = resolve(__dirname, '../../broker/dist/index.js');
/** Loading the 1.3 MB bundle takes well under a second; a shared machine gets more, ms. */
const START_TIMEOUT_MS = 20_000;

export interface BrokerProcess {
  /** e.g. http://127.0.0.1:40123/ (the function URL's form, with a trailing slash). */
  url: string;
  /** The broker's log lines so far (JSON lines on stdout, anything on stderr). */
  logs(): string;
  stop(): Promise<void>;
}

export async function startBroker(env: Record<string, string>): Promise<BrokerProcess> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run bash broker/build.sh`);
  const child: ChildProcess = spawn(process.execPath, [SERVE], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the broker did not start in ${START_TIMEOUT_MS} ms: ${err}`)),
      START_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const first = out.split('\n')[0];
      if (out.includes('\n') && /^\{"port":\d+\}$/.test(first)) {
        clearTimeout(timer);
        resolvePort((JSON.parse(first) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the broker exited with ${code} before it listened: ${err}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    logs: () => `${out.split('\n').slice(1).join('\n')}${err}`,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
