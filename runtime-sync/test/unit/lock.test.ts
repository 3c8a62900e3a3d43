import fs from 'node:fs';
import path from 'node:path';
import { LockSet } from '../../src/coordination/lock';
import { removeDir, tempDir } from '../helpers/cli';

const owner = (id: string) => ({ id, host: 'test', pid: 1 });

describe('LockSet (O_EXCL lock files with an mtime heartbeat)', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('lock')));
  afterEach(() => removeDir(dir));

  it('gives a live lock to one owner only, and frees it on release', async () => {
    const a = new LockSet(dir, 10_000, owner('a'));
    const b = new LockSet(dir, 10_000, owner('b'));
    expect(await a.tryAcquire('v')).toBe(true);
    expect(await b.tryAcquire('v')).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'v.lock'), 'utf8'))).toMatchObject({
      id: 'a',
      host: 'test',
    });
    await a.release('v');
    expect(await b.tryAcquire('v')).toBe(true);
  });

  it('takes over an expired lock, exactly one of several contenders winning', async () => {
    const dead = new LockSet(dir, 1_000, owner('dead'));
    expect(await dead.tryAcquire('v')).toBe(true);
    const past = new Date(Date.now() - 5_000);
    fs.utimesSync(path.join(dir, 'v.lock'), past, past);
    const contenders = ['a', 'b', 'c', 'd', 'e'].map((id) => new LockSet(dir, 1_000, owner(id)));
    const won = await Promise.all(contenders.map((c) => c.tryAcquire('v')));
    expect(won.filter(Boolean)).toHaveLength(1);
    const holder = JSON.parse(fs.readFileSync(path.join(dir, 'v.lock'), 'utf8')) as { id: string };
    expect(holder.id).toBe(['a', 'b', 'c', 'd', 'e'][won.indexOf(true)]);
    expect(await dead.heartbeat()).toEqual(['v']); // the old owner learns it lost the lock
  });

  it('keeps a lock alive with its heartbeat', async () => {
    let now = Date.now();
    const a = new LockSet(dir, 1_000, owner('a'), () => now);
    const b = new LockSet(dir, 1_000, owner('b'), () => now);
    expect(await a.tryAcquire('v')).toBe(true);
    now += 5_000;
    expect(await a.heartbeat()).toEqual([]);
    expect(await b.tryAcquire('v')).toBe(false);
  });
});
