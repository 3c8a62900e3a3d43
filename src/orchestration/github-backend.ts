/**
 * Fallback when no bucket is configured: GitHub's own cache service through @actions/cache, with
 * the same semantics. @actions/cache is loaded only on this path (it is large and slows start-up).
 */
import type { CacheSettings } from '../config/settings';
import type { Logger } from '../logging/logger';
import { ActionsCache, loadActionsCache } from '../runner/lazy';
import type { CacheBackend, RestoreOutcome, SaveOutcome } from './backend';
import { messages } from './messages';

export class GitHubCacheBackend implements CacheBackend {
  constructor(private readonly logger: Logger) {}

  private async load(): Promise<ActionsCache | undefined> {
    const cache = await loadActionsCache();
    if (!cache.isFeatureAvailable()) {
      this.logger.warning(messages.fallbackUnavailable);
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
