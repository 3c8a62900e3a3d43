/**
 * Every line the steps show the user, in one place: what happened, and where something went wrong,
 * what to do. Upstream's wording is kept where a workflow or a person may look for it.
 */
import type { Marker } from './unfinished';

const quoted = (keys: readonly string[]): string => keys.map((k) => JSON.stringify(k)).join(', ');

export const messages = {
  saveAlways:
    'save-always does not work as intended and will be removed in a future release. A separate `dazn/cache/restore` step should be used instead (see https://github.com/actions/cache/tree/main/save#always-save-cache).',
  fallback: "S3 is not configured (no bucket): using GitHub's cache service",
  fallbackUnavailable:
    'Cache action is only supported on GitHub-hosted runners or with a bucket: set the bucket input or DAZN_CACHE_BUCKET.',
  noPaths:
    'Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.',

  restoreFailed: (description: string): string => `Failed to restore: ${description}`,
  cacheMiss: (primaryKey: string): string =>
    `Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${primaryKey}`,
  notFound: (keys: readonly string[]): string => `Cache not found for input keys: ${keys.join(', ')}`,
  restored: (matchedKey: string, lookupOnly: boolean): string =>
    lookupOnly
      ? `Cache found and can be restored from key: ${matchedKey}`
      : `Cache restored from key: ${matchedKey}`,
  noMatch: (
    keys: readonly string[],
    scopes: readonly string[],
    version: string,
    folders: readonly string[],
  ): string =>
    `No entry matched. Keys searched in order: ${quoted(keys)}; scopes searched in order: ${scopes.join(', ')}; ` +
    `version ${version} (from the path input and compression). Folders: ${folders.join(' ')}`,
  matched: (cacheKey: string, scope: string, url: string): string =>
    `Matched ${JSON.stringify(cacheKey)} in scope ${scope} (${url})`,
  otherFormat: (objectKey: string, format: string | undefined, readable: string): string =>
    `Entry ${objectKey} has archive format ${JSON.stringify(format ?? '(none)')}, this version reads ${readable}: it was written by another dazn/cache version; not restoring it.`,
  restoreTakenBack: (files: number, folders: number): string =>
    `The restore did not finish: removed the ${files} files and ${folders} folders it had written, so no partial entry stays in the workspace.`,
  restoreLeftPaths: (remaining: readonly string[]): string =>
    `The restore did not finish and ${remaining.length} of the paths it wrote could not be removed (${remaining.slice(0, 3).join('; ')}): the workspace may hold a partial entry, so saves in this job will not store it.`,
  restoreJournalUnreadable: (cause: string): string =>
    `The restore did not finish and what it wrote could not be removed (${cause}): saves in this job will not store the workspace's paths.`,

  saveFailed: (description: string): string => `Failed to save: ${description}`,
  exactHitNoSave: (primaryKey: string): string =>
    `Cache hit occurred on the primary key ${primaryKey}, not saving cache.`,
  exists: (primaryKey: string): string =>
    `Cache entry ${primaryKey} exists already: another job saved this key first; not saving.`,
  saved: (primaryKey: string): string => `Cache saved with key: ${primaryKey}`,
  /** Isolated mode, a read-only trigger (the broker's reason; actions/cache warns the same way). */
  readOnly: (reason: string): string => `Not saving the cache: ${reason}`,
  unfinishedRestore: (primaryKey: string, markers: readonly Marker[]): string => {
    const first = markers[0];
    const what =
      first.status === 'incomplete'
        ? `failed and could not remove ${first.remaining?.length ?? 0} of the paths it had written (${(first.remaining ?? []).slice(0, 3).join('; ')})`
        : 'was interrupted while extracting (the step was killed or timed out)';
    return (
      `Not saving ${primaryKey}: a restore of ${JSON.stringify(first.key)} in this job, started ${first.started}, ${what}, ` +
      'so the workspace may hold a partial entry that cannot be told apart from what the job built. ' +
      'Nothing was stored; a re-run of the job builds and saves a complete tree.'
    );
  },
};
