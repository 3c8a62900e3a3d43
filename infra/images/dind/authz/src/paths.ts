/**
 * Bind-mount sources as the daemon will see them: in the dind container's own file system (the plugin
 * runs there), with symbolic links resolved, so that `_work/link -> /` is the root it points to.
 */
import { promises as fs } from 'node:fs';
import { cleanPath } from './request';

/** Resolves a path; rejects when it cannot. Injected so tests can make resolution hang or fail. */
export type RealPath = (path: string) => Promise<string>;

/** The longest time one path may take to resolve (ms): a hung NFS mount (the tool cache is EFS) must not hang the daemon. */
export const RESOLVE_TIMEOUT_MS = 5_000;

export const realPathOnDisk: RealPath = (path) => fs.realpath(path);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not resolve within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The real path of `path`: the deepest part that exists resolved through its links, the rest (which the
 * daemon creates for a `-v` bind) appended as written.
 */
export async function resolveReal(path: string, realPath: RealPath, timeoutMs = RESOLVE_TIMEOUT_MS): Promise<string> {
  const clean = cleanPath(path);
  const segments = clean.split('/').filter((segment) => segment !== '');
  for (let keep = segments.length; keep >= 0; keep -= 1) {
    const head = '/' + segments.slice(0, keep).join('/');
    try {
      const real = await withTimeout(realPath(head), timeoutMs, head);
      return cleanPath([real, ...segments.slice(keep)].join('/'));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  return clean;
}

export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : root + '/');
}
