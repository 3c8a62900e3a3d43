import { parseArgs, parseSize } from '../../src/config';
import { UsageError } from '../../src/errors';

const root = { RUNTIME_SYNC_ROOT: '/mnt/runtime-cache' };

describe('parseArgs', () => {
  it('reads the verification mode and the publishers, and refuses others with the variable named', () => {
    const parsed = parseArgs(
      ['push', '--verify=off', '--node-dist-url', 'http://127.0.0.1:8080/dist/'],
      root,
    );
    expect(parsed.kind === 'run' && parsed.settings).toMatchObject({
      verify: 'off',
      nodeDistUrl: 'http://127.0.0.1:8080/dist',
    });
    expect(() => parseArgs(['push'], { ...root, RUNTIME_SYNC_VERIFY: 'maybe' })).toThrow(
      "RUNTIME_SYNC_VERIFY (--verify) must be published or off, got 'maybe'",
    );
    expect(() => parseArgs(['push'], { ...root, RUNTIME_SYNC_GO_DL_URL: 'file:///tmp/go' })).toThrow(
      'RUNTIME_SYNC_GO_DL_URL (--go-dl-url) must be an http(s) URL',
    );
  });

  it('reads the layout (folders or archive, flag over variable) and refuses others with the setting and both values named', () => {
    const env = parseArgs(['pull'], { ...root, RUNTIME_SYNC_LAYOUT: 'Archive' });
    expect(env.kind === 'run' && env.settings.layout).toBe('archive');
    const flag = parseArgs(['pull', '--layout=folders'], { ...root, RUNTIME_SYNC_LAYOUT: 'archive' });
    expect(flag.kind === 'run' && flag.settings.layout).toBe('folders');
    for (const word of ['tar', 'archives', 'folder']) {
      expect(() => parseArgs(['push', '--layout', word], root)).toThrow(
        `RUNTIME_SYNC_LAYOUT (--layout) must be folders or archive, got '${word}'`,
      );
    }
  });

  it('reads the environment with defaults per command', () => {
    const parsed = parseArgs(['push'], root);
    expect(parsed).toEqual({
      kind: 'run',
      settings: {
        command: 'push',
        root: '/mnt/runtime-cache',
        toolCache: '/opt/hostedtoolcache',
        timeoutMs: 90_000,
        pushEnabled: true,
        lockTtlMs: 60_000,
        rsyncPath: 'rsync',
        verify: 'published',
        layout: 'folders',
        nodeDistUrl: 'https://nodejs.org/dist',
        goDlUrl: 'https://go.dev/dl',
      },
    });
    const pull = parseArgs(['pull'], root);
    expect(pull.kind === 'run' && pull.settings.timeoutMs).toBe(300_000);
  });

  it('lets flags override the environment, in both --flag value and --flag=value forms', () => {
    const parsed = parseArgs(
      ['pull', '--root', '/efs/arm64', '--timeout=12', '--tool-cache', '/tc', '--push=false'],
      { ...root, RUNTIME_SYNC_TIMEOUT_SECONDS: '99', RUNNER_TOOL_CACHE: '/x' },
    );
    expect(parsed.kind === 'run' && parsed.settings).toMatchObject({
      root: '/efs/arm64',
      timeoutMs: 12_000,
      toolCache: '/tc',
      pushEnabled: false,
    });
  });

  it('names the setting and the fix on bad input', () => {
    expect(() => parseArgs(['pull'], {})).toThrow(/RUNTIME_SYNC_ROOT is not set: set it \(or --root\)/);
    expect(() => parseArgs(['pull'], { RUNTIME_SYNC_ROOT: 'efs' })).toThrow(/must be an absolute path/);
    expect(() => parseArgs(['pull', '--timeout', '0'], root)).toThrow(
      /RUNTIME_SYNC_TIMEOUT_SECONDS .* positive/,
    );
    expect(() => parseArgs(['push'], { ...root, RUNTIME_SYNC_PUSH: 'maybe' })).toThrow(/true or false/);
    expect(() => parseArgs(['sync'], root)).toThrow(/unknown command 'sync'/);
    expect(() => parseArgs(['pull', '--bogus'], root)).toThrow(/unknown flag '--bogus'/);
    expect(() => parseArgs(['pull'], { ...root, RUNNER_TOOL_CACHE: '/mnt/runtime-cache/tc' })).toThrow(
      /must not contain each other/,
    );
    expect(() => parseArgs(['prune'], root)).toThrow(UsageError);
  });

  it('reads a boolean as the action does (true or false, any case) and refuses other words', () => {
    const off = parseArgs(['push'], { ...root, RUNTIME_SYNC_PUSH: 'FALSE' });
    expect(off.kind === 'run' && off.settings.pushEnabled).toBe(false);
    const on = parseArgs(['push', '--push', 'True'], { ...root, RUNTIME_SYNC_PUSH: 'false' });
    expect(on.kind === 'run' && on.settings.pushEnabled).toBe(true);
    for (const word of ['yes', '1', 'off']) {
      expect(() => parseArgs(['push'], { ...root, RUNTIME_SYNC_PUSH: word })).toThrow(
        `RUNTIME_SYNC_PUSH (--push) must be true or false, got '${word}'`,
      );
    }
  });

  it('takes days with fractions for prune and refuses a negative age', () => {
    const parsed = parseArgs(['prune', '--max-age-days', '0.5'], root);
    expect(parsed.kind === 'run' && parsed.settings.maxAgeDays).toBe(0.5);
    expect(() => parseArgs(['prune', '--max-age-days=-1'], root)).toThrow(
      "RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS (--max-age-days) must be a non-negative number, got '-1'",
    );
  });

  it('answers --help and --version without needing settings', () => {
    expect(parseArgs(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseArgs(['--version'], {})).toEqual({ kind: 'version' });
  });
});

describe('parseSize', () => {
  it("reads bytes and 1024-based suffixes, in the action's grammar (whole numbers)", () => {
    expect(parseSize('1500', 'x')).toBe(1500);
    expect(parseSize('2K', 'x')).toBe(2048);
    expect(parseSize('1T', 'x')).toBe(1024 ** 4);
    expect(() => parseSize('1.5G', 'x')).toThrow(/whole number of bytes/);
    expect(parseSize('200GiB', 'x')).toBe(200 * 1024 ** 3);
    expect(() => parseSize('lots', 'RUNTIME_SYNC_PRUNE_MAX_SIZE')).toThrow(
      /RUNTIME_SYNC_PRUNE_MAX_SIZE must be a whole number of bytes, optionally with K, M, G or T/,
    );
  });
});
