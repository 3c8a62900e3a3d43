import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors';
import { ARCH_FILE, STAGING_DIR } from '../layout/names';

/** What claimArch found: this call wrote the file, or it was there (with the architecture it names). */
export type ArchClaim = { claimed: true } | { claimed: false; arch: string };

/**
 * Writes the root's architecture file once, whole. The content is written to a private file under the
 * staging folder first and then hard-linked into place: link fails with EEXIST when the file exists, and
 * the name appears with its content, so a concurrent reader never sees an empty file. (Creating it with
 * O_EXCL and writing afterwards left a moment in which another pusher read '' and took the root for a
 * foreign architecture's.) EFS supports hard links within a file system.
 */
export async function claimArch(root: string, arch: string, ownerId: string): Promise<ArchClaim> {
  const file = path.join(root, ARCH_FILE);
  const draft = path.join(root, STAGING_DIR, `${ownerId}.arch`);
  await fsp.mkdir(path.dirname(draft), { recursive: true });
  await fsp.writeFile(draft, `${arch}\n`);
  try {
    await fsp.link(draft, file);
    return { claimed: true };
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    return { claimed: false, arch: (await fsp.readFile(file, 'utf8')).trim() };
  } finally {
    await fsp.unlink(draft).catch(() => undefined);
  }
}
