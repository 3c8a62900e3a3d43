/**
 * The runner protocol written out in src/runner/workflow.ts, read back with the parsers the
 * end-to-end runner uses, and the OIDC token request against a token service on loopback.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as runner from '../../../src/runner/workflow';
import { parseKeyValueFile, parseWorkflowCommands } from '../../support/runner';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'workflow-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { write: runner.Write; text: () => string } {
  let out = '';
  return { write: (t) => (out += t), text: () => out };
}

describe('inputs and state', () => {
  it('reads INPUT_<NAME> with spaces as underscores, trimmed, and STATE_<name>', () => {
    const env = { 'INPUT_RESTORE-KEYS': '  a-\nb-  ', INPUT_FAIL_ON_CACHE_MISS: 'true', STATE_key: 'k1' };
    expect(runner.getInput('restore-keys', {}, env)).toBe('a-\nb-');
    expect(runner.getInput('fail on cache miss', {}, env)).toBe('true');
    expect(runner.getInput('missing', {}, env)).toBe('');
    expect(runner.getState('key', env)).toBe('k1');
    expect(runner.getState('other', env)).toBe('');
  });
});

describe('log commands', () => {
  it('escape what would end or forge a command, and round-trip through the runner parser', () => {
    const out = capture();
    runner.warning('50% done\nnext line\r::error::forged', {}, out.write);
    runner.debug('d: 1, 2', out.write);
    runner.setSecret('s3cr%t\nline2', out.write);
    runner.info('plain line', out.write);
    runner.command('notice', 'm', { title: 'a:b,c' }, out.write);
    const { commands, lines } = parseWorkflowCommands(out.text());
    expect(commands).toEqual([
      { command: 'warning', properties: {}, message: '50% done\nnext line\r::error::forged' },
      { command: 'debug', properties: {}, message: 'd: 1, 2' },
      { command: 'add-mask', properties: {}, message: 's3cr%t\nline2' },
      { command: 'notice', properties: { title: 'a:b,c' }, message: 'm' },
    ]);
    expect(lines.filter((l) => l !== '')).toEqual(['plain line']);
  });

  it('setFailed sets exit code 1 and writes an error', () => {
    const out = capture();
    const before = process.exitCode;
    try {
      runner.setFailed('broken input', out.write);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = before;
    }
    expect(parseWorkflowCommands(out.text()).commands).toEqual([
      { command: 'error', properties: {}, message: 'broken input' },
    ]);
  });
});

describe('outputs and state files', () => {
  it('append heredoc entries that the runner parser reads back, multi-line values included', () => {
    const output = join(dir, 'output');
    const state = join(dir, 'state');
    writeFileSync(output, 'earlier=1\n');
    writeFileSync(state, '');
    const env = { GITHUB_OUTPUT: output, GITHUB_STATE: state };
    runner.setOutput('cache-hit', 'true', env);
    runner.setOutput('cache-matched-key', 'line1\nline2', env);
    runner.saveState('primary', 'k=v', env);
    expect(parseKeyValueFile(readFileSync(output, 'utf8'))).toEqual({
      earlier: '1',
      'cache-hit': 'true',
      'cache-matched-key': 'line1\nline2',
    });
    expect(parseKeyValueFile(readFileSync(state, 'utf8'))).toEqual({ primary: 'k=v' });
  });

  it('refuses a value that contains the delimiter, and a name the runner would misread', () => {
    expect(() => runner.fileCommandEntry('x', 'a\nEOF\nb', 'EOF')).toThrow(/contains the delimiter/);
    for (const name of ['', 'a=b', 'a<<b', 'a\nb']) {
      expect(() => runner.fileCommandEntry(name, 'v')).toThrow(
        /must not be empty or contain "=", "<<" or a line end/,
      );
    }
  });

  it('falls back to the stdout command without GITHUB_OUTPUT', () => {
    const out = capture();
    runner.setOutput('cache-hit', 'false', {}, out.write);
    expect(parseWorkflowCommands(out.text()).commands).toEqual([
      { command: 'set-output', properties: { name: 'cache-hit' }, message: 'false' },
    ]);
  });
});

describe('getIDToken', () => {
  let server: Server;
  let seen: IncomingMessage[];
  let answer: { status: number; body: string };
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      res.statusCode = answer.status;
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
    answer = { status: 200, body: JSON.stringify({ value: 'jwt.token.here' }) };
  });
  const quiet: runner.Write = () => undefined;
  const env = (): NodeJS.ProcessEnv => ({
    ACTIONS_ID_TOKEN_REQUEST_URL: url,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
  });

  it('asks for the audience with the request token as bearer and returns the token', async () => {
    await expect(runner.getIDToken('sts.amazonaws.com', env(), {}, quiet)).resolves.toBe('jwt.token.here');
    expect(seen).toHaveLength(1);
    const query = new URL(seen[0].url ?? '', 'http://x').searchParams;
    expect(query.get('audience')).toBe('sts.amazonaws.com');
    expect(query.get('api-version')).toBe('2.0');
    expect(seen[0].headers.authorization).toBe('Bearer request-token');
  });

  it('fails with a clear message on an error status, an empty answer or no permission', async () => {
    answer = { status: 403, body: 'nope' };
    await expect(runner.getIDToken('a', env(), {}, quiet)).rejects.toThrow(
      'The token service answered HTTP 403',
    );
    answer = { status: 200, body: '{}' };
    await expect(runner.getIDToken('a', env(), {}, quiet)).rejects.toThrow(
      'The token service returned no token',
    );
    await expect(runner.getIDToken('a', {}, {}, quiet)).rejects.toThrow(/no id-token permission/);
    const closed = { ...env(), ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token' };
    await expect(runner.getIDToken('a', closed, {}, quiet)).rejects.toThrow(
      /The token service did not answer/,
    );
  });

  it('never puts the request token in an error', async () => {
    answer = { status: 500, body: 'request-token echoed' };
    await expect(runner.getIDToken('a', env(), {}, quiet)).rejects.not.toThrow(/request-token/);
  });

  it('knows when a proxy is configured', () => {
    expect(runner.proxyConfigured({})).toBe(false);
    expect(runner.proxyConfigured({ https_proxy: 'http://proxy:3128' })).toBe(true);
    expect(runner.proxyConfigured({ HTTP_PROXY: 'http://proxy:3128' })).toBe(true);
  });
});
