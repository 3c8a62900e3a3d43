/** One job summary line per restore and save: key, matched key and scope, size, seconds, MB/s. */
import type { CacheSettings } from '../config/settings';
import { formatBytes, megabytesPerSecond } from '../logging/logger';
import { isExactKeyMatch } from '../matching/match';
import type { RestoreOutcome, SaveOutcome } from './backend';

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function transfer(size?: number, milliseconds?: number): string {
  if (size === undefined || milliseconds === undefined) return '';
  return `, ${formatBytes(size)} in ${(milliseconds / 1000).toFixed(2)} s (${megabytesPerSecond(size, milliseconds)} MB/s)`;
}

export function restoreSummary(settings: CacheSettings, outcome: RestoreOutcome | undefined): string {
  const key = code(settings.primaryKey);
  if (!outcome) return `dazn/cache restore: key ${key}: miss`;
  const kind = isExactKeyMatch(settings.primaryKey, outcome.matchedKey) ? 'hit' : 'restore-key hit';
  const action = settings.lookupOnly ? 'found (lookup only)' : 'restored';
  return `dazn/cache restore: key ${key}: ${kind}, ${action} ${code(outcome.matchedKey)} from scope ${code(outcome.scope)}${transfer(outcome.size, outcome.milliseconds)}`;
}

export function saveSummary(key: string, outcome: SaveOutcome): string {
  const scope = outcome.scope ? ` in scope ${code(outcome.scope)}` : '';
  const what: Record<SaveOutcome['status'], string> = {
    created: 'saved',
    exists: 'not saved (exists already)',
    'no-paths': 'not saved (paths matched nothing)',
    'not-saved': 'not saved',
  };
  return `dazn/cache save: key ${code(key)}: ${what[outcome.status]}${scope}${transfer(outcome.size, outcome.milliseconds)}`;
}
