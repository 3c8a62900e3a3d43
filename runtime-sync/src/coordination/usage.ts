import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { keyFileName, USAGE_DIR, VersionId } from '../layout/names';

/**
 * Last use of each version, for prune and status: `<root>/.usage/<key>`, whose mtime is the time of the last
 * pull or push. Written by both commands; the files are written in parallel (on EFS each one costs a few
 * round trips).
 */
export async function recordUse(root: string, versions: readonly VersionId[]): Promise<void> {
  if (versions.length === 0) return;
  const now = new Date().toISOString();
  await fsp.mkdir(path.join(root, USAGE_DIR), { recursive: true });
  await Promise.all(versions.map((v) => fsp.writeFile(path.join(root, USAGE_DIR, keyFileName(v)), now)));
}
