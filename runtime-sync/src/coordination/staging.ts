import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors';
import { LEASES_DIR, LOCKS_DIR, STAGING_DIR, TRASH_DIR } from '../layout/names';
import { runBounded } from '../process/run';
import { Owner } from './owner';

/**
 * A push's private staging folder `<root>/.staging/<owner id>/` and its heartbeat file
 * `<root>/.staging/<owner id>.alive` (mtime refreshed with the locks). Anything in .staging whose heartbeat
 * is older than the lock ttl belongs to a killed or stopped push and is removed by later pushes and prune.
 */
export class Staging {
  readonly dir: string;
  private readonly alive: string;

  constructor(root: string, owner: Owner) {
    this.dir = path.join(root, STAGING_DIR, owner.id);
    this.alive = `${this.dir}.alive`;
  }

  async create(owner: Owner): Promise<void> {
    await fsp.mkdir(path.dirname(this.dir), { recursive: true });
    await fsp.writeFile(this.alive, JSON.stringify(owner)); // heartbeat first: a folder never lacks one for long
    await fsp.mkdir(this.dir);
  }

  async heartbeat(now: Date): Promise<void> {
    await fsp.utimes(this.alive, now, now);
  }

  async remove(timeoutMs: number): Promise<void> {
    await removeTree(this.dir, timeoutMs);
    await fsp.unlink(this.alive).catch(() => undefined);
  }
}

/** `rm -rf` in a child bounded in time (a tree on NFS can take long, and may hang). */
export async function removeTree(target: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const result = await runBounded('rm', ['-rf', '--', target], { timeoutMs, signal });
  return result.code === 0;
}

export interface CleanupReport {
  removed: string[];
}

async function mtimeMs(file: string): Promise<number | undefined> {
  try {
    return (await fsp.lstat(file)).mtimeMs;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Removes what killed runs left behind, once expired: staging folders, lock files moved aside during a
 * takeover, expired leases, and the trash of an interrupted prune. Stops when the time is up.
 */
export async function cleanupExpired(
  root: string,
  ttlMs: number,
  now: number,
  deadline: () => number,
  signal?: AbortSignal,
): Promise<CleanupReport> {
  const removed: string[] = [];
  const list = async (dir: string): Promise<string[]> => fsp.readdir(path.join(root, dir)).catch(() => []);
  const stagingNames = await list(STAGING_DIR);
  for (const name of stagingNames.filter((n) => !n.endsWith('.alive'))) {
    if (deadline() <= 0) break;
    const dir = path.join(root, STAGING_DIR, name);
    const heartbeat = (await mtimeMs(`${dir}.alive`)) ?? (await mtimeMs(dir)) ?? now;
    if (now - heartbeat < ttlMs) continue;
    if (await removeTree(dir, deadline(), signal)) {
      await fsp.unlink(`${dir}.alive`).catch(() => undefined);
      removed.push(path.join(STAGING_DIR, name));
    }
  }
  for (const name of stagingNames.filter((n) => n.endsWith('.alive'))) {
    const dir = path.join(root, STAGING_DIR, name.slice(0, -'.alive'.length));
    const heartbeat = await mtimeMs(path.join(root, STAGING_DIR, name));
    if (heartbeat !== undefined && now - heartbeat >= ttlMs && (await mtimeMs(dir)) === undefined) {
      await fsp.unlink(path.join(root, STAGING_DIR, name)).catch(() => undefined);
    }
  }
  for (const name of (await list(LOCKS_DIR)).filter((n) => n.includes('.lock.stale-'))) {
    const file = path.join(root, LOCKS_DIR, name);
    const t = await mtimeMs(file);
    if (t !== undefined && now - t >= ttlMs) {
      await fsp.unlink(file).catch(() => undefined);
      removed.push(path.join(LOCKS_DIR, name));
    }
  }
  for (const name of await list(LEASES_DIR)) {
    const file = path.join(root, LEASES_DIR, name);
    try {
      const body = JSON.parse(await fsp.readFile(file, 'utf8')) as { expiresAtMs?: number };
      if ((body.expiresAtMs ?? 0) > now) continue;
    } catch {
      const t = await mtimeMs(file);
      if (t === undefined || now - t < ttlMs) continue;
    }
    await fsp.unlink(file).catch(() => undefined);
    removed.push(path.join(LEASES_DIR, name));
  }
  for (const name of await list(TRASH_DIR)) {
    if (deadline() <= 0) break;
    const target = path.join(root, TRASH_DIR, name);
    const t = await mtimeMs(target);
    if (t !== undefined && now - t >= ttlMs && (await removeTree(target, deadline(), signal))) {
      removed.push(path.join(TRASH_DIR, name));
    }
  }
  return { removed };
}
