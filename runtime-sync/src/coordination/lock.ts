import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors';
import { Owner } from './owner';

/**
 * Per-version push locks that work on NFS, where advisory locks are not reliable.
 *
 * - A lock is the file `<dir>/<name>.lock`, created with O_EXCL (open 'wx'), holding its owner as JSON.
 * - Its expiry is its mtime + ttl; the holder refreshes the mtime (heartbeat) every ttl / 4.
 * - A stale lock (expired) is taken over by renaming it aside to a name only this owner uses (one rename of
 *   the same source wins), checking that what was moved is still the stale lock that was seen, and then
 *   creating a fresh lock with O_EXCL. If a live lock was moved by mistake it is linked back (link fails
 *   rather than overwrites).
 * - Correctness does not rest on the lock: a version only becomes visible by an atomic rename that fails
 *   when it already exists. The lock makes concurrent pushers do the work once.
 */
export class LockSet {
  private readonly held = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly ttlMs: number,
    private readonly owner: Owner,
    private readonly now: () => number = Date.now,
  ) {}

  private file(name: string): string {
    return path.join(this.dir, `${name}.lock`);
  }

  private body(): string {
    return JSON.stringify({
      ...this.owner,
      acquiredAt: new Date(this.now()).toISOString(),
      ttlMs: this.ttlMs,
    });
  }

  private async create(file: string): Promise<boolean> {
    try {
      await fsp.writeFile(file, this.body(), { flag: 'wx' });
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw error;
    }
  }

  /** Takes the lock if it is free or expired; false when another owner holds a live lock. */
  async tryAcquire(name: string): Promise<boolean> {
    const file = this.file(name);
    await fsp.mkdir(this.dir, { recursive: true });
    if (await this.create(file)) return this.keep(name, file);
    let seen: string;
    let mtimeMs: number;
    try {
      seen = await fsp.readFile(file, 'utf8');
      mtimeMs = (await fsp.stat(file)).mtimeMs;
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
      return (await this.create(file)) && this.keep(name, file); // released meanwhile
    }
    if (this.now() - mtimeMs < this.ttlMs) return false;
    const aside = `${file}.stale-${this.owner.id}`;
    try {
      await fsp.rename(file, aside);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false; // another pusher took it over first
      throw error;
    }
    const moved = await fsp.readFile(aside, 'utf8');
    const movedMtimeMs = (await fsp.stat(aside)).mtimeMs;
    if (moved !== seen || this.now() - movedMtimeMs < this.ttlMs) {
      // We moved a lock someone took over (or refreshed) after we looked: give it back.
      await fsp.link(aside, file).catch(() => undefined);
      await fsp.unlink(aside).catch(() => undefined);
      return false;
    }
    await fsp.unlink(aside);
    return (await this.create(file)) && this.keep(name, file);
  }

  private keep(name: string, file: string): true {
    this.held.set(name, file);
    return true;
  }

  /** Refreshes every held lock; returns the names whose lock was lost (taken over or removed). */
  async heartbeat(): Promise<string[]> {
    const lost: string[] = [];
    const t = new Date(this.now());
    for (const [name, file] of this.held) {
      try {
        const content = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<Owner>;
        if (content.id !== this.owner.id) throw new Error('taken over');
        await fsp.utimes(file, t, t);
      } catch {
        lost.push(name);
        this.held.delete(name);
      }
    }
    return lost;
  }

  async release(name: string): Promise<void> {
    const file = this.held.get(name);
    if (!file) return;
    this.held.delete(name);
    try {
      const content = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<Owner>;
      if (content.id === this.owner.id) await fsp.unlink(file);
    } catch {
      // gone or unreadable: it expires on its own
    }
  }

  async releaseAll(): Promise<void> {
    for (const name of [...this.held.keys()]) await this.release(name);
  }
}
