import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LOCAL_WORK_DIR } from '../layout/names';
import { Owner } from './owner';
import { removeTree } from './staging';

/**
 * Private work folders in the local tool cache, `<tool cache>/.runtime-sync/<pull|push>-<pid>-<id>/`: where
 * pull receives and extracts archives (the same file system as the tool cache, so a version is renamed into
 * place) and push builds them. The dot name keeps them out of every scan. One left by a killed run (its
 * pid gone) is removed by the next pull or push.
 */
export function localWorkDir(toolCache: string, kind: 'pull' | 'push', owner: Owner): string {
  return path.join(toolCache, LOCAL_WORK_DIR, `${kind}-${owner.pid}-${owner.id}`);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Removes the work folders of runs that are gone; returns their names. */
export async function removeDeadLocalWork(toolCache: string, timeoutMs: number): Promise<string[]> {
  const base = path.join(toolCache, LOCAL_WORK_DIR);
  const names = await fsp.readdir(base).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(/^(?:pull|push)-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || running(pid)) continue;
    if (await removeTree(path.join(base, name), timeoutMs)) removed.push(name);
  }
  return removed;
}
