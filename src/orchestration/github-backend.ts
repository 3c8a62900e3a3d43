/**
 * Fallback when no bucket is configured: GitHub's own cache service through @actions/cache, with
 * the same semantics. @actions/cache is loaded only on this path (it is large and slows start-up).
 */
import type { CacheSettings } from '../config/settings';
import type { Logger } from '../logging/logger';
import type { CacheBackend, RestoreOutcome, SaveOutcome } from './backend';

type ActionsCache = typeof import('@actions/cache');

interface EnsuringRequire {
  ensure?(
    deps: string[],
    callback: (req: NodeJS.Require) => void,
    onError: (error: Error) => void,
    name: string,
  ): void;
}

/**
 * Loads @actions/cache on demand. require.ensure makes ncc put it (about 3 MB of the 5 MB bundle)
 * into a separate chunk file, so the S3 path never parses it. Outside a bundle (ts-jest) Node's
 * require has no ensure, and the module is required directly.
 */
function loadActionsCache(): Promise<ActionsCache> {
  if (typeof (require as unknown as EnsuringRequire).ensure !== 'function') {
    // Only outside a bundle: webpack folds `typeof require.ensure` to "function" and drops this branch.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return Promise.resolve(require('@actions/cache') as ActionsCache);
  }
  return new Promise((resolve, reject) => {
    (require as unknown as Required<EnsuringRequire>).ensure(
      ['@actions/cache'],
      (require) => resolve(require('@actions/cache') as ActionsCache),
      reject,
      'actions-cache',
    );
  });
}

export const FALLBACK_INFO = "S3 is not configured (no bucket): using GitHub's cache service";

export class GitHubCacheBackend implements CacheBackend {
  constructor(private readonly logger: Logger) {}

  private async load(): Promise<ActionsCache | undefined> {
    const cache = await loadActionsCache();
    if (!cache.isFeatureAvailable()) {
      this.logger.warning(
        'Cache action is only supported on GitHub-hosted runners or with a bucket: set the bucket input or DAZN_CACHE_BUCKET.',
      );
      return undefined;
    }
    return cache;
  }

  async restore(settings: CacheSettings): Promise<RestoreOutcome | undefined> {
    const cache = await this.load();
    if (!cache) return undefined;
    const started = Date.now();
    const matchedKey = await cache.restoreCache(
      [...settings.paths],
      settings.primaryKey,
      [...settings.restoreKeys],
      { lookupOnly: settings.lookupOnly },
      settings.enableCrossOsArchive,
    );
    if (!matchedKey) return undefined;
    return { matchedKey, scope: 'GitHub cache service', milliseconds: Date.now() - started };
  }

  async save(settings: CacheSettings, primaryKey: string): Promise<SaveOutcome> {
    const cache = await this.load();
    if (!cache) return { status: 'not-saved' };
    const started = Date.now();
    const id = await cache.saveCache(
      [...settings.paths],
      primaryKey,
      { uploadChunkSize: settings.tuning.uploadChunkSize },
      settings.enableCrossOsArchive,
    );
    // saveCache logs its own warnings and returns -1 when it did not save.
    if (id === -1) return { status: 'not-saved' };
    return { status: 'created', scope: 'GitHub cache service', milliseconds: Date.now() - started };
  }
}
