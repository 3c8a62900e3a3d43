import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LEASES_DIR } from '../layout/names';
import { Owner } from './owner';

/**
 * A pull's lease: `<root>/.leases/<owner id>.json`, telling prune which versions are being read. It is
 * written (with `versions: null`, meaning "all") before the pull looks for versions, narrowed to the
 * versions it copies, and removed at the end; an expired lease (killed pull) is ignored.
 */
export interface LeaseBody extends Owner {
  expiresAtMs: number;
  /** Version keys in use; null while the pull is still choosing (blocks every removal). */
  versions: string[] | null;
}

export function leasePath(root: string, owner: Owner): string {
  return path.join(root, LEASES_DIR, `${owner.id}.json`);
}

export function leaseBody(owner: Owner, expiresAtMs: number, versions: string[] | null): string {
  const body: LeaseBody = { ...owner, expiresAtMs, versions };
  return JSON.stringify(body);
}

/** Replaces the lease atomically (write aside, rename over). */
export async function rewriteLease(file: string, body: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await fsp.writeFile(tmp, body);
  await fsp.rename(tmp, file);
}

export interface LiveLeases {
  /** True when the version is in use by a live pull. */
  covers(key: string): boolean;
  expiredFiles: string[];
}

export async function readLeases(root: string, now: number): Promise<LiveLeases> {
  const dir = path.join(root, LEASES_DIR);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const live: LeaseBody[] = [];
  const expiredFiles: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = path.join(dir, name);
    try {
      const body = JSON.parse(await fsp.readFile(file, 'utf8')) as LeaseBody;
      if (body.expiresAtMs > now) live.push(body);
      else expiredFiles.push(file);
    } catch {
      // removed meanwhile, or half-written by a writer that renames: ignore
    }
  }
  return {
    covers: (key) => live.some((l) => l.versions === null || l.versions.includes(key)),
    expiredFiles,
  };
}
