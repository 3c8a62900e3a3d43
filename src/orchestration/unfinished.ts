/**
 * Restores of this job that did not finish, as files in the job's temporary folder.
 *
 * A restore writes a marker before `tar -x` starts and removes it when the tree is complete, or when
 * it has taken back out everything it wrote after a failure. A marker that stays means the workspace
 * may hold part of an entry: the restore was killed (SIGKILL, a lost runner, the step's timeout) or
 * could not remove all it wrote. Every save of the job then refuses, because it cannot tell that
 * partial tree from one the job's own steps built, and storing it would hand the next job an exact
 * hit on a broken tree. RUNNER_TEMP is emptied at the start and end of every job, so a marker never
 * outlives the job; without RUNNER_TEMP (outside a runner) the folder is keyed by run, attempt and
 * job instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { GitHubContext } from '../config/settings';

const MARKER_SUFFIX = '.restore.json';

export interface Marker {
  key: string;
  /** ISO time the extraction started. */
  started: string;
  /** `extracting` until the restore ends; `incomplete` when it failed and could not remove all it wrote. */
  status: 'extracting' | 'incomplete';
  /** What could not be removed (status `incomplete`). */
  remaining?: string[];
}

export interface RestoreTicket {
  /** Where tar lists the members it extracts (see archive/journal.ts). */
  journal: string;
  /** The tree is complete, or everything the restore wrote was removed: forget it. */
  settle(): Promise<void>;
  /** The restore failed and left paths it could not remove. */
  markIncomplete(remaining: string[]): Promise<void>;
}

export function unfinishedFolder(github: GitHubContext): string {
  if (github.runnerTemp) return path.join(github.runnerTemp, 'dazn-cache-restores');
  const job = `${github.runId}-${github.runAttempt}-${github.job ?? ''}`.replace(/[^\w.-]/g, '_');
  return path.join(tmpdir(), `dazn-cache-restores-${job}`);
}

/** Records that a restore of `key` starts extracting; the marker stays if the process dies. */
export async function beginRestore(github: GitHubContext, key: string): Promise<RestoreTicket> {
  const folder = unfinishedFolder(github);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const id = `${Date.now()}-${randomBytes(6).toString('hex')}`;
  const markerFile = path.join(folder, `${id}${MARKER_SUFFIX}`);
  const journal = path.join(folder, `${id}.journal`);
  const write = (marker: Marker): Promise<void> => writeFile(markerFile, JSON.stringify(marker));
  const started = new Date().toISOString();
  await write({ key, started, status: 'extracting' });
  return {
    journal,
    settle: async () => {
      await rm(markerFile, { force: true });
      await rm(journal, { force: true });
      await rmdir(folder).catch(() => undefined); // kept while another restore's marker is in it
    },
    markIncomplete: (remaining) => write({ key, started, status: 'incomplete', remaining }),
  };
}

/** The restores of this job that left a possibly partial tree (none: an empty list). */
export async function unfinishedRestores(github: GitHubContext): Promise<Marker[]> {
  const folder = unfinishedFolder(github);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const markers: Marker[] = [];
  for (const name of names.filter((n) => n.endsWith(MARKER_SUFFIX)).sort()) {
    try {
      markers.push(JSON.parse(await readFile(path.join(folder, name), 'utf8')) as Marker);
    } catch {
      // A marker cut short by a kill is still a restore that did not finish.
      markers.push({ key: '(unknown)', started: '(unknown)', status: 'extracting' });
    }
  }
  return markers;
}
