import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readLeases } from '../coordination/lease';
import { cleanupExpired, removeTree } from '../coordination/staging';
import { BudgetExceededError, errnoCode } from '../errors';
import { keyFileName, markerFile, TRASH_DIR, USAGE_DIR, versionDir, versionKey } from '../layout/names';
import { probeRoot } from '../layout/probe';
import { ScannedVersion } from '../layout/scan';
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
    let total = byAge.filter((v) => !victims.has(v)).reduce((n, v) => n + (v.bytes ?? 0), 0);
    for (const v of byAge) {
      if (total <= maxSizeBytes) break;
      if (victims.has(v)) continue;
      victims.add(v);
      total -= v.bytes ?? 0;
    }
  }
  return byAge.filter((v) => victims.has(v));
}

/**
 * Removes one whole version unless a pull holds a lease on it. The marker goes first (the version stops
 * being complete, so no new pull picks it), then leases are read again: a pull that saw the marker wrote its
 * lease before looking, so it shows up now and the marker is put back. Then the folder is renamed into the
 * trash (one atomic step) and deleted there.
 */
async function removeVersion(
  ctx: RunContext,
  v: ScannedVersion,
  trash: string,
): Promise<'removed' | 'in use' | 'gone'> {
  const root = ctx.settings.root;
  const key = versionKey(v);
  if ((await readLeases(root, Date.now())).covers(key)) return 'in use';
  const marker = path.join(root, markerFile(v));
  const markerAside = path.join(trash, `${keyFileName(v)}.complete`);
  try {
    await fsp.rename(marker, markerAside);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'gone'; // removed by another prune
    throw error;
  }
  if ((await readLeases(root, Date.now())).covers(key)) {
    await fsp.rename(markerAside, marker);
    return 'in use';
  }
  const folderAside = path.join(trash, keyFileName(v));
  await fsp.rename(path.join(root, versionDir(v)), folderAside);
  await removeTree(trash, ctx.budget.remainingMs(), ctx.budget.signal);
  await fsp.unlink(path.join(root, USAGE_DIR, keyFileName(v))).catch(() => undefined);
  for (const dir of [path.join(root, v.tool, v.version), path.join(root, v.tool)]) {
    await fsp.rmdir(dir).catch(() => undefined); // only when empty
  }
  return 'removed';
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
  const report = await cleanupExpired(settings.root, settings.lockTtlMs, Date.now(), () =>
    budget.remainingMs(),
  );
  if (report.removed.length > 0) log.info(`removed expired leftovers: ${report.removed.join(', ')}`);
}
