import { resolveSettings } from '../../../src/config/settings';
import type { CacheBackend, RestoreOutcome, SaveOutcome } from '../../../src/orchestration/backend';
import { GitHubCacheBackend } from '../../../src/orchestration/github-backend';
import { messages } from '../../../src/orchestration/messages';
import type { ActionIO } from '../../../src/orchestration/io';
import { restoreImpl } from '../../../src/orchestration/restore';
import { chooseBackend } from '../../../src/orchestration/run';
import { saveImpl } from '../../../src/orchestration/save';
import { OutputsStateProvider, PostStepStateProvider } from '../../../src/orchestration/state';

function fakeIO() {
  const log = {
    outputs: {} as Record<string, string>,
    state: {} as Record<string, string>,
    lines: [] as string[],
  };
  const io: ActionIO = {
    debug: () => undefined,
    info: (m) => log.lines.push(`info: ${m}`),
    warning: (m) => log.lines.push(`warning: ${m}`),
    setFailed: (m) => log.lines.push(`failed: ${m}`),
    setOutput: (n, v) => {
      log.outputs[n] = v;
    },
    saveState: (n, v) => {
      log.state[n] = v;
    },
    getState: (n) => log.state[n] ?? '',
    summary: (_p, line) => log.lines.push(`summary: ${line}`),
  };
  return { io, log };
}

function backend(restore: () => Promise<RestoreOutcome | undefined>, saves: string[] = []): CacheBackend {
  return {
    restore,
    save: async (_settings, key): Promise<SaveOutcome> => {
      saves.push(key);
      return { status: 'created', scope: 'refs/heads/x' };
    },
  };
}

function deps(
  io: ActionIO,
  b: CacheBackend,
  inputs: Record<string, string> = {},
  kind: 'restore' | 'save' = 'restore',
) {
  const all: Record<string, string> = { path: 'p', key: 'k-1', 'restore-keys': 'k-', ...inputs };
  return {
    io,
    readSettings: () =>
      resolveSettings(kind, (n) => all[n] ?? '', { GITHUB_REPOSITORY: 'o/r', GITHUB_REF: 'refs/heads/x' }),
    backend: () => b,
  };
}

describe('restore step', () => {
  it('sets cache-hit "true" only on the exact primary key, and records state for the post step', async () => {
    const { io, log } = fakeIO();
    await restoreImpl(
      new PostStepStateProvider(io),
      deps(
        io,
        backend(async () => ({ matchedKey: 'k-1', scope: 's' })),
      ),
    );
    expect(log.outputs).toEqual({
      'cache-primary-key': 'k-1',
      'cache-matched-key': 'k-1',
      'cache-hit': 'true',
    });
    expect(log.state).toEqual({ CACHE_KEY: 'k-1', CACHE_RESULT: 'k-1' });
  });

  it('sets cache-hit "false" on a restore key, outputs only for restore/', async () => {
    const { io, log } = fakeIO();
    await restoreImpl(
      new OutputsStateProvider(io),
      deps(
        io,
        backend(async () => ({ matchedKey: 'k-0', scope: 's' })),
      ),
    );
    expect(log.outputs).toEqual({
      'cache-primary-key': 'k-1',
      'cache-matched-key': 'k-0',
      'cache-hit': 'false',
    });
    expect(log.state).toEqual({});
  });

  it('turns a backend error into a warning and a miss, and fails only under fail-on-cache-miss', async () => {
    const failing = backend(async () => Promise.reject(new Error('connect ECONNREFUSED')));
    const { io, log } = fakeIO();
    await restoreImpl(new OutputsStateProvider(io), deps(io, failing));
    expect(log.outputs).toEqual({ 'cache-primary-key': 'k-1' });
    expect(log.lines).toContain('warning: Failed to restore: connect ECONNREFUSED');
    expect(log.lines.some((l) => l.startsWith('failed:'))).toBe(false);

    const strict = fakeIO();
    await restoreImpl(
      new OutputsStateProvider(strict.io),
      deps(strict.io, failing, { 'fail-on-cache-miss': 'true' }),
    );
    expect(strict.log.lines).toContain(
      'failed: Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: k-1',
    );
  });

  it('warns that save-always is deprecated', async () => {
    const { io, log } = fakeIO();
    await restoreImpl(
      new OutputsStateProvider(io),
      deps(
        io,
        backend(async () => undefined),
        { 'save-always': 'true' },
      ),
    );
    expect(log.lines).toContain(`warning: ${messages.saveAlways}`);
  });
});

describe('save step', () => {
  it('skips after an exact hit and otherwise saves under the key recorded by the main step', async () => {
    const { io, log } = fakeIO();
    const saves: string[] = [];
    log.state = { CACHE_KEY: 'k-main', CACHE_RESULT: 'k-main' };
    await saveImpl(
      new PostStepStateProvider(io),
      deps(
        io,
        backend(async () => undefined, saves),
        { key: 'k-input' },
        'save',
      ),
    );
    expect(saves).toEqual([]);
    expect(log.lines).toContain('info: Cache hit occurred on the primary key k-main, not saving cache.');

    log.state = { CACHE_KEY: 'k-main', CACHE_RESULT: 'k-old' };
    await saveImpl(
      new PostStepStateProvider(io),
      deps(
        io,
        backend(async () => undefined, saves),
        { key: 'k-input' },
        'save',
      ),
    );
    expect(saves).toEqual(['k-main']);
  });

  it('save/ uses the key input', async () => {
    const { io } = fakeIO();
    const saves: string[] = [];
    await saveImpl(
      new OutputsStateProvider(io),
      deps(
        io,
        backend(async () => undefined, saves),
        { key: 'k-in' },
        'save',
      ),
    );
    expect(saves).toEqual(['k-in']);
  });
});

describe('fallback', () => {
  it('says once that S3 is not configured and uses GitHub cache service', () => {
    const { io, log } = fakeIO();
    const settings = resolveSettings('restore', (n) => ({ path: 'p', key: 'k' })[n] ?? '', {});
    expect(chooseBackend(settings, io)).toBeInstanceOf(GitHubCacheBackend);
    expect(log.lines).toEqual([`info: ${messages.fallback}`]);
    expect(messages.fallback).toContain("S3 is not configured (no bucket): using GitHub's cache service");
  });

  it('warns and misses when the GitHub cache service is not available either', async () => {
    const { io, log } = fakeIO();
    const settings = resolveSettings('restore', (n) => ({ path: 'p', key: 'k' })[n] ?? '', {});
    const saved = process.env.ACTIONS_CACHE_URL;
    delete process.env.ACTIONS_CACHE_URL;
    try {
      expect(await new GitHubCacheBackend(io).restore(settings)).toBeUndefined();
    } finally {
      if (saved !== undefined) process.env.ACTIONS_CACHE_URL = saved;
    }
    expect(log.lines[0]).toMatch(/^warning: .*set the bucket input or DAZN_CACHE_BUCKET/);
  });
});
