/** A place entries live: the S3 bucket, or GitHub's cache service when no bucket is configured. */
import type { CacheSettings } from '../config/settings';
import type { ActionIO } from './io';

export interface RestoreOutcome {
  matchedKey: string;
  /** Where the entry was found (a ref, or "GitHub cache service"). */
  scope: string;
  /** Bytes transferred and the time it took (absent for lookups and the fallback). */
  size?: number;
  milliseconds?: number;
}

export interface SaveOutcome {
  status: 'created' | 'exists' | 'no-paths' | 'not-saved';
  size?: number;
  milliseconds?: number;
  scope?: string;
}

export interface CacheBackend {
  /** Resolves the match; downloads and extracts it unless lookup-only. Undefined: a miss. */
  restore(settings: CacheSettings): Promise<RestoreOutcome | undefined>;
  save(settings: CacheSettings, primaryKey: string): Promise<SaveOutcome>;
}

/** What a step (restore or save) needs: the runner, its settings, and where entries live. */
export interface StepDeps {
  io: ActionIO;
  readSettings(): CacheSettings;
  backend(settings: CacheSettings): CacheBackend;
}
