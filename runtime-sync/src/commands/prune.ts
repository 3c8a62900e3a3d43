import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readLeases } from '../coordination/lease';
import { cleanupExpired, removeTree } from '../coordination/staging';
import { BudgetExceededError, errnoCode } from '../errors';
import {
  ARCHIVE_SUFFIX,
  archiveFile,
  archiveMarkerFile,
  keyFileName,
  MARKER_SUFFIX,
  markerFile,
  TRASH_DIR,
  USAGE_DIR,
  versionDir,
  versionKey,
} from '../layout/names';
import { probeRoot } from '../layout/probe';
import { ScannedVersion, ScanResult } from '../layout/scan';
import { RunContext, refuseForeignRoot } from './context';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Versions to remove: unused for longer than maxAgeDays, then the least recently used beyond the cap. */
export function chooseVictims(
  versions: readonly ScannedVersion[],
  nowMs: number,
  maxAgeDays: number | undefined,
  maxSizeBytes: number | undefined,
): ScannedVersion[] {
  const byAge = [...versions].sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  const victims = new Set<ScannedVersion>();
  if (maxAgeDays !== undefined) {
    for (const v of byAge) if (nowMs - v.lastUsedMs > maxAgeDays * DAY_MS) victims.add(v);
  }
  if (maxSizeBytes !== undefined) {
    // what a version takes on the volume: its folder's bytes and its archive's size, when it has both
    const size = (v: ScannedVersion): number => v.storedBytes ?? v.bytes ?? 0;
    let total = byAge.filter((v) => !victims.has(v)).reduce((n, v) => n + size(v), 0);
    for (const v of byAge) {
      if (total <= maxSizeBytes) break;
      if (victims.has(v)) continue;
      victims.add(v);
      total -= size(v);
    }
  }
  return byAge.filter((v) => victims.has(v));
}

/** Renames from to to; false when from is gone. */
async function moveIfThere(from: string, to: string): Promise<boolean> {
  try {
    await fsp.rename(from, to);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Removes one whole version, in every form it has (folder, archive), unless a pull holds a lease on it. The
 * markers go first (the version stops being complete, so no new pull picks it), then leases are read again:
 * a pull that saw a marker wrote its lease before looking, so it shows up now and the markers are put back
 * (by link, which never replaces a marker a push placed meanwhile). Then the folder and the archive are
 * renamed into the trash (one step each) and deleted there.
 */
async function removeVersion(
  ctx: RunContext,
  v: ScannedVersion,
  trash: string,
): Promise<'removed' | 'in use' | 'gone'> {
  const root = ctx.settings.root;
  const key = versionKey(v);
  if ((await readLeases(root, Date.now())).covers(key)) return 'in use';
  const markers = [
    ...(v.forms.includes('folder') ? [markerFile(v)] : []),
    ...(v.forms.includes('archive') ? [archiveMarkerFile(v)] : []),
  ].map((rel, i) => ({ at: path.join(root, rel), aside: path.join(trash, `${keyFileName(v)}.marker-${i}`) }));
  const moved = [];
  for (const m of markers) if (await moveIfThere(m.at, m.aside)) moved.push(m);
  if (moved.length === 0) return 'gone'; // removed by another prune
  if ((await readLeases(root, Date.now())).covers(key)) {
    for (const m of moved) {
      await fsp.link(m.aside, m.at).catch(() => undefined);
      await fsp.unlink(m.aside).catch(() => undefined);
    }
    return 'in use';
  }
  if (v.forms.includes('folder'))
    await moveIfThere(path.join(root, versionDir(v)), path.join(trash, keyFileName(v)));
  if (v.forms.includes('archive'))
    await moveIfThere(
      path.join(root, archiveFile(v)),
      path.join(trash, `${keyFileName(v)}${ARCHIVE_SUFFIX}`),
    );
  await removeTree(trash, ctx.budget.remainingMs(), ctx.budget.signal);
  await fsp.unlink(path.join(root, USAGE_DIR, keyFileName(v))).catch(() => undefined);
  for (const dir of [path.join(root, v.tool, v.version), path.join(root, v.tool)]) {
    await fsp.rmdir(dir).catch(() => undefined); // only when empty
  }
  return 'removed';
}

/**
 * Archives without their marker, placed longer than the lock ttl ago: a push killed between placing the
 * archive and its marker left them; they never counted. Returns their paths.
 */
async function removeUnmarkedArchives(
  ctx: RunContext,
  found: ScanResult['unmarkedArchives'],
): Promise<string[]> {
  const root = ctx.settings.root;
  const removed: string[] = [];
  for (const a of found) {
    if (Date.now() - a.changedMs < ctx.settings.lockTtlMs) continue;
    const file = path.join(root, a.path);
    if (fs.existsSync(`${file}${MARKER_SUFFIX}`)) continue; // marked meanwhile
    const st = await fsp.lstat(file).catch(() => undefined);
    if (!st || Date.now() - st.ctimeMs < ctx.settings.lockTtlMs) continue;
    await fsp.unlink(file).catch(() => undefined);
    removed.push(a.path);
    const parts = a.path.split('/');
    for (const dir of [path.join(root, parts[0] ?? '', parts[1] ?? ''), path.join(root, parts[0] ?? '')]) {
      await fsp.rmdir(dir).catch(() => undefined); // only when empty
    }
  }
  return removed;
}

/** prune: removes whole versions by age and/or size cap, never one in use by a pull; cleans expired leftovers. */
export async function prune(ctx: RunContext): Promise<void> {
  const { settings, budget, log, tally } = ctx;
  const remote = await probeRoot({ root: settings.root, expectArch: ctx.arch, sizes: true }, budget);
  refuseForeignRoot(remote, ctx);
  const victims = chooseVictims(remote.versions, Date.now(), settings.maxAgeDays, settings.maxSizeBytes);
  log.info(`${remote.versions.length} versions on ${settings.root}, ${victims.length} to remove`);
  let kept = 0;
  for (const v of victims) {
    if (budget.remainingMs() <= 0) throw new BudgetExceededError(`prune stopped: ${budget.reason}`);
    const trash = path.join(settings.root, TRASH_DIR, `${ctx.owner.id}-${victims.indexOf(v)}`);
    await fsp.mkdir(trash, { recursive: true });
    const outcome = await removeVersion(ctx, v, trash);
    if (outcome === 'removed') {
      tally.versions += 1;
      tally.files += v.files ?? 0;
      tally.bytes += v.bytes ?? 0;
      log.info(`removed ${versionKey(v)} (last use ${new Date(v.lastUsedMs).toISOString()})`);
    } else {
      await fsp.rmdir(trash).catch(() => undefined);
      if (outcome === 'in use') {
        kept += 1;
        log.info(`kept ${versionKey(v)}: in use by a pull`);
      }
    }
  }
  if (kept > 0) tally.notes.push(`${kept} kept because a pull is using them`);
  const unmarked = await removeUnmarkedArchives(ctx, remote.unmarkedArchives);
  if (unmarked.length > 0) log.info(`removed unmarked archives (killed pushes): ${unmarked.join(', ')}`);
  const report = await cleanupExpired(settings.root, settings.lockTtlMs, Date.now(), () =>
    budget.remainingMs(),
  );
  if (report.removed.length > 0) log.info(`removed expired leftovers: ${report.removed.join(', ')}`);
}
