/**
 * The fake GitHub as a process (fake-github-cli.js), as the runner image's shell and Docker tests use
 * it: it prints its URL, hands out a JIT configuration over /_fake/jitconfig, refuses its second use,
 * and stops cleanly on SIGTERM (removing the key it made).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';

interface Started {
  child: ChildProcess;
  info: { url: string; private_key_file: string | null; pid: number };
}

function startCli(env: Record<string, string> = {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'fake-github-cli.js')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fake-github-cli printed nothing within 60 s: ${err}`));
    }, 60_000);
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(out.slice(0, newline)) as Started['info'] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fake-github-cli exited ${code}: ${err}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

const post = async (
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('fake GitHub as a process', () => {
  it('serves /_fake/jitconfig and /_fake/runner/connect, refuses the second use, and stops on SIGTERM', async () => {
    const { child, info } = await startCli({ FAKE_GITHUB_ORG: 'dazn-cli' });
    try {
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const keyFile = info.private_key_file as string;
      expect(() => createPrivateKey(readFileSync(keyFile, 'utf8'))).not.toThrow();
      const made = await post(`${info.url}/_fake/jitconfig`, {
        name: 'dazn-ecs-cccccccccccc',
        labels: ['ecs'],
      });
      expect(made.status).toBe(201);
      const encoded = made.json.encoded_jit_config as string;
      const first = await post(`${info.url}/_fake/runner/connect`, {
        jit_config: encoded,
        version: '2.330.0',
      });
      expect(first).toEqual({
        status: 200,
        json: { runner_id: expect.any(Number), name: 'dazn-ecs-cccccccccccc' },
      });
      const second = await post(`${info.url}/_fake/runner/connect`, {
        jit_config: encoded,
        version: '2.330.0',
      });
      expect(second.status).toBe(409);
      expect(second.json.code).toBe('session_exists');
      const dup = await post(`${info.url}/_fake/jitconfig`, {
        name: 'dazn-ecs-cccccccccccc',
        labels: ['ecs'],
      });
      expect(dup.status).toBe(409);
      expect(await stop(child)).toBe(0);
      expect(existsSync(keyFile)).toBe(false);
    } finally {
      await stop(child);
    }
  });

  it('refuses a bad setting with one clear line and exit code 2', async () => {
    await expect(startCli({ FAKE_GITHUB_APP_ID: 'abc' })).rejects.toThrow(
      /exited 2: fake-github: FAKE_GITHUB_APP_ID must be a positive integer, got "abc"/,
    );
  });
});
