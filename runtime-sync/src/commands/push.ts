import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ArchiveStoppedError, checkArchiveTools, countTree, createArchive } from '../archive/archive';
import { claimArch } from '../coordination/arch-claim';
import { localWorkDir, removeDeadLocalWork } from '../coordination/local-work';
import { LockSet } from '../coordination/lock';
import { cleanupExpired, removeTree, Staging } from '../coordination/staging';
import { recordUse } from '../coordination/usage';
import { BudgetExceededError, errnoCode, errorMessage, ReadOnlyRootError } from '../errors';
import {
  ARCH_FILE,
  ARCHIVE_SUFFIX,
  archiveFile,
  archiveMarkerFile,
  keyFileName,
  LOCKS_DIR,
  markerFile,
  STAGING_DIR,
  versionDir,
  versionKey,
} from '../layout/names';
import { probeRoot } from '../layout/probe';
import { ArchiveMarker, Form, SCAN_NAMES, scanRoot, ScannedVersion } from '../layout/scan';
import { CopyResult } from '../rsync';
import { RunContext, refuseForeignArch, refuseForeignRoot } from './context';
import { publishers } from '../verify/publishers';
import { verifyAgainstPublished } from '../verify/verify';

/** Time kept back from the budget for removing our staging folder after a failed copy (ms). */
const CLEANUP_RESERVE_MS = 3_000;

/** errno codes of a write refused by the mount (read-only bind or EFS without ClientWrite) or by permissions. */
const REFUSED_WRITE = new Set(['EROFS', 'EACCES', 'EPERM']);

/**
 * Refuses early, with the reason, when this runner cannot write the root: a reader pool mounts the shared
 * tool cache read-only (the task definition and its IAM role), which is what keeps a job from planting a
 * version, whatever this program does.
 */
async function requireWritableRoot(ctx: RunContext): Promise<void> {
  const probe = path.join(ctx.settings.root, STAGING_DIR, `${ctx.owner.id}.write-probe`);
  try {
    await fsp.mkdir(path.dirname(probe), { recursive: true });
    await fsp.writeFile(probe, '', { flag: 'wx' });
    await fsp.unlink(probe);
  } catch (error) {
    const code = errnoCode(error);
    if (code === undefined || !REFUSED_WRITE.has(code)) throw error;
    throw new ReadOnlyRootError(
      `push refused: ${ctx.settings.root} is read-only for this runner (${code}); this pool reads the shared ` +
        'tool cache but may not write it (only a writer pool, runtime_sync_push = true in Terraform, pushes): ' +
        'set RUNTIME_SYNC_PUSH=false for this pool',
    );
  }
}

/** Writes the root's architecture file when it has none; a root of the other architecture is refused. */
async function claimRootArch(ctx: RunContext, current: string | null): Promise<void> {
  if (current !== null) return;
  const claim = await claimArch(ctx.settings.root, ctx.arch, ctx.owner.id);
  if (claim.claimed) ctx.log.info(`${ctx.settings.root} now belongs to ${ctx.arch} machines (${ARCH_FILE})`);
  else refuseForeignArch(claim.arch, ctx);
}

/**
 * Places one staged version: the folder by rename (fails when the version exists: left alone), then the
 * marker by rename. A folder already in place without its marker was renamed there whole by a push that
 * died before its marker; it gets the marker.
 */
async function placeOne(ctx: RunContext, staging: Staging, v: ScannedVersion): Promise<'placed' | 'present'> {
  const root = ctx.settings.root;
  const target = path.join(root, versionDir(v));
  await fsp.mkdir(path.dirname(target), { recursive: true });
  try {
    await fsp.rename(path.join(staging.dir, versionDir(v)), target);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    if (fs.existsSync(path.join(root, markerFile(v)))) return 'present';
    ctx.log.info(`${versionKey(v)}: folder already in place without its marker, completing it`);
  }
  await fsp.rename(path.join(staging.dir, markerFile(v)), path.join(root, markerFile(v)));
  return 'placed';
}

/** The form push writes in this run's layout. */
function pushedForm(ctx: RunContext): Form {
  return ctx.settings.layout === 'archive' ? 'archive' : 'folder';
}

/** The lock of a version's form (the two forms are written independently). */
function lockName(ctx: RunContext, v: ScannedVersion): string {
  return pushedForm(ctx) === 'archive' ? `${keyFileName(v)}${ARCHIVE_SUFFIX}` : keyFileName(v);
}

/** The marker that makes the pushed form visible on the root. */
function formMarker(ctx: RunContext, v: ScannedVersion): string {
  return pushedForm(ctx) === 'archive' ? archiveMarkerFile(v) : markerFile(v);
}

/** The complete local versions the root lacks in this layout's form (after the root was probed and claimed). */
async function candidates(ctx: RunContext): Promise<ScannedVersion[]> {
  const { settings, budget, log } = ctx;
  const remote = await probeRoot({ root: settings.root, expectArch: ctx.arch }, budget);
  refuseForeignRoot(remote, ctx);
  await requireWritableRoot(ctx);
  await claimRootArch(ctx, remote.arch);
  const local = scanRoot(fs, { root: settings.toolCache }, SCAN_NAMES);
  const form = pushedForm(ctx);
  const onRoot = new Set(remote.versions.filter((v) => v.forms.includes(form)).map(versionKey));
  const missing = local.versions.filter((v) => !onRoot.has(versionKey(v)));
  log.info(
    `${local.versions.length} complete local versions, ${missing.length} missing on ${settings.root} ` +
      `(${settings.layout} layout)`,
  );
  if (local.incomplete.length > 0) log.info(`not pushed, incomplete: ${local.incomplete.join(', ')}`);
  return missing;
}

/** Acquire: the versions whose lock this push holds and that are still not on the root. */
async function acquire(
  ctx: RunContext,
  locks: LockSet,
  wanted: readonly ScannedVersion[],
): Promise<ScannedVersion[]> {
  const mine: ScannedVersion[] = [];
  for (const v of wanted) {
    if (!(await locks.tryAcquire(lockName(ctx, v)))) {
      ctx.log.info(`${versionKey(v)}: another runner is pushing it, skipping`);
      continue;
    }
    if (fs.existsSync(path.join(ctx.settings.root, formMarker(ctx, v)))) {
      ctx.log.info(`${versionKey(v)}: pushed by another runner meanwhile`);
      await locks.release(lockName(ctx, v));
      continue;
    }
    mine.push(v);
  }
  return mine;
}

/** Keeps the locks and the staging folder alive (mtimes) every ttl/4 while the copy runs. */
function startHeartbeat(ctx: RunContext, locks: LockSet, staging: Staging): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      void locks.heartbeat().then((lost) => {
        for (const name of lost)
          ctx.log.warn(`lock lost for ${decodeURIComponent(name)} (taken over after expiry)`);
      });
      void staging.heartbeat(new Date()).catch(() => undefined);
    },
    Math.max(250, ctx.settings.lockTtlMs / 4),
  );
  timer.unref();
  return timer;
}

/** Stage: one rsync of every folder and marker (or archive and its marker) into the staging folder; a failed copy throws. */
async function stage(
  ctx: RunContext,
  staging: Staging,
  mine: readonly ScannedVersion[],
  source: { root: string; paths: (v: ScannedVersion) => string[] },
): Promise<CopyResult> {
  const { budget } = ctx;
  const rsync = await ctx.rsync();
  const copy = await rsync.copy({
    sourceRoot: source.root,
    destRoot: staging.dir,
    paths: mine.flatMap(source.paths),
    timeoutMs: Math.max(0, budget.remainingMs() - CLEANUP_RESERVE_MS),
    signal: budget.signal,
  });
  if (copy.ok) return copy;
  if (copy.stopped || budget.remainingMs() <= CLEANUP_RESERVE_MS) {
    throw new BudgetExceededError(
      `push stopped before ${mine.length} versions were copied (${budget.reason || 'time budget ran out'}); ` +
        'nothing partial is visible, a later push completes them',
    );
  }
  throw new Error(`rsync exited ${String(copy.exitCode)} copying to ${staging.dir}: ${copy.errorTail}`);
}

/** Place: the staged versions, each moved into place (placeOne or placeArchive), marker last. */
async function place(
  ctx: RunContext,
  staging: Staging,
  versions: readonly ScannedVersion[],
  placeOne: (ctx: RunContext, staging: Staging, v: ScannedVersion) => Promise<'placed' | 'present'>,
): Promise<ScannedVersion[]> {
  const placed: ScannedVersion[] = [];
  for (const v of versions) {
    if ((await placeOne(ctx, staging, v)) === 'placed') {
      placed.push(v);
      ctx.log.info(`pushed ${versionKey(v)}`);
    } else {
      ctx.log.info(`${versionKey(v)}: appeared on the root meanwhile, left alone`);
    }
  }
  await recordUse(ctx.settings.root, placed).catch((e: unknown) =>
    ctx.log.warn(`last use not recorded: ${errorMessage(e)}`),
  );
  return placed;
}

/** Removes other pushes' expired locks and staging folders, within what is left of the budget. */
async function removeExpiredLeftovers(ctx: RunContext): Promise<void> {
  const { settings, budget, log } = ctx;
  if (budget.remainingMs() <= CLEANUP_RESERVE_MS) return;
  try {
    const report = await cleanupExpired(settings.root, settings.lockTtlMs, Date.now(), () =>
      Math.max(0, budget.remainingMs() - CLEANUP_RESERVE_MS),
    );
    if (report.removed.length > 0) log.info(`removed expired leftovers: ${report.removed.join(', ')}`);
  } catch (error) {
    log.warn(`cleaning expired leftovers failed: ${errorMessage(error)}`);
  }
}

/**
 * push: every complete local version the root lacks, each under its lock (acquire), copied by one rsync into
 * a private staging folder (stage) and renamed into place with its marker last (place). Never deletes a
 * version on the root.
 */
export async function push(ctx: RunContext): Promise<void> {
  const { settings, budget, log, tally } = ctx;
  if (!settings.pushEnabled) {
    log.info('RUNTIME_SYNC_PUSH is false: not writing the shared cache');
    tally.notes.push('push disabled');
    return;
  }
  // a missing rsync (or tar, zstd for the archive layout) is a setup error, reported before the root is touched
  await Promise.all([ctx.rsync(), settings.layout === 'archive' ? checkArchiveTools() : undefined]);
  const wanted = await candidates(ctx);
  const locks = new LockSet(path.join(settings.root, LOCKS_DIR), settings.lockTtlMs, ctx.owner);
  const staging = new Staging(settings.root, ctx.owner);
  let heartbeat: NodeJS.Timeout | undefined;
  let stagingCreated = false;
  try {
    const mine = await acquire(ctx, locks, wanted);
    if (mine.length === 0) return;
    await staging.create(ctx.owner);
    stagingCreated = true;
    heartbeat = startHeartbeat(ctx, locks, staging);
    if (settings.layout === 'archive') {
      await pushArchives(ctx, staging, mine);
    } else {
      const copy = await stage(ctx, staging, mine, {
        root: settings.toolCache,
        paths: (v) => [versionDir(v), markerFile(v)],
      });
      const placed = await place(ctx, staging, await verifyVersions(ctx, staging.dir, mine), placeOne);
      tally.versions += placed.length;
      tally.files += copy.stats.files;
      tally.bytes += copy.stats.bytes;
    }
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    if (stagingCreated) await staging.remove(Math.max(CLEANUP_RESERVE_MS, budget.remainingMs()));
    await locks.releaseAll();
    await removeExpiredLeftovers(ctx);
  }
}

/**
 * With RUNTIME_SYNC_VERIFY=published (the default), the versions under `base` (the staged copies in the
 * folder layout, the local tool cache in the archive layout) that are their tool's published release; the
 * others are refused (logged, noted in the summary, not placed).
 */
async function verifyVersions(
  ctx: RunContext,
  base: string,
  versions: readonly ScannedVersion[],
): Promise<ScannedVersion[]> {
  if (ctx.settings.verify === 'off') return [...versions];
  const byTool = publishers(ctx.settings);
  const accepted: ScannedVersion[] = [];
  const refused: string[] = [];
  for (const v of versions) {
    const verdict = await verifyAgainstPublished(
      v,
      path.join(base, versionDir(v)),
      byTool.get(v.tool),
      ctx.budget,
    );
    if (verdict.ok) {
      ctx.log.info(`${versionKey(v)}: verified, ${verdict.detail}`);
      accepted.push(v);
    } else {
      ctx.log.warn(`${versionKey(v)}: refused, not placed on the shared cache: ${verdict.reason}`);
      refused.push(versionKey(v));
    }
  }
  if (refused.length > 0) ctx.tally.notes.push(`refused by verification: ${refused.join(', ')}`);
  return accepted;
}

/**
 * Places one staged archive, then its marker, each by link(2), which fails with EEXIST rather than replace
 * a file (rename would): a version placed meanwhile is left alone. An archive in place without its marker,
 * older than the lock ttl (its ctime: the time it was linked), is what a push killed between its two links
 * left; it never counted, and this push, holding the lock, replaces it.
 */
async function placeArchive(
  ctx: RunContext,
  staging: Staging,
  v: ScannedVersion,
): Promise<'placed' | 'present'> {
  const root = ctx.settings.root;
  const target = path.join(root, archiveFile(v));
  const marker = path.join(root, archiveMarkerFile(v));
  const link = async (from: string, to: string): Promise<boolean> => {
    try {
      await fsp.link(from, to);
      return true;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
      return false;
    }
  };
  await fsp.mkdir(path.dirname(target), { recursive: true });
  if (!(await link(path.join(staging.dir, archiveFile(v)), target))) {
    if (fs.existsSync(marker)) return 'present';
    const placedAt = (await fsp.lstat(target)).ctimeMs;
    if (Date.now() - placedAt < ctx.settings.lockTtlMs) return 'present'; // another push is placing it
    ctx.log.info(`${versionKey(v)}: replacing an unmarked archive left by a killed push`);
    await fsp.unlink(target).catch(() => undefined);
    if (!(await link(path.join(staging.dir, archiveFile(v)), target))) return 'present';
  }
  return (await link(path.join(staging.dir, archiveMarkerFile(v)), marker)) ? 'placed' : 'present';
}

/**
 * Archives one local version into `work` (tar | zstd, hashed while written) and drafts its marker next to
 * it. The budget running out is a BudgetExceededError; any other failure (tar saw a file change, no room)
 * is thrown for this version alone.
 */
async function archiveOne(ctx: RunContext, work: string, v: ScannedVersion): Promise<ArchiveMarker> {
  const { settings, budget } = ctx;
  await fsp.mkdir(path.join(work, v.tool, v.version), { recursive: true });
  const count = await countTree(path.join(settings.toolCache, versionDir(v)));
  let built;
  try {
    built = await createArchive(
      path.join(settings.toolCache, v.tool, v.version),
      v.arch,
      path.join(work, archiveFile(v)),
      {
        timeoutMs: Math.max(0, budget.remainingMs() - CLEANUP_RESERVE_MS),
        signal: budget.signal,
      },
    );
  } catch (error) {
    if (!(error instanceof ArchiveStoppedError)) throw error;
    throw new BudgetExceededError(
      `push stopped while archiving ${versionKey(v)} (${budget.reason || 'time budget ran out'}); ` +
        'nothing partial is visible, a later push completes it',
    );
  }
  const marker: ArchiveMarker = {
    marker: (await fsp.readFile(path.join(settings.toolCache, markerFile(v)))).toString('base64'),
    ...built,
    ...count,
  };
  await fsp.writeFile(path.join(work, archiveMarkerFile(v)), JSON.stringify(marker));
  ctx.log.info(
    `${versionKey(v)}: archived, ${count.files} files, ${count.bytes} bytes in ${built.size} bytes`,
  );
  return marker;
}

/**
 * The archive layout: each verified local version is archived locally (tar | zstd, hashed while written,
 * its marker drafted next to it), then one rsync copies every archive and marker into the staging folder,
 * and each is linked into place, marker last.
 */
async function pushArchives(
  ctx: RunContext,
  staging: Staging,
  mine: readonly ScannedVersion[],
): Promise<void> {
  const { settings, budget, log, tally } = ctx;
  const verified = await verifyVersions(ctx, settings.toolCache, mine);
  if (verified.length === 0) return;
  const removedWork = await removeDeadLocalWork(settings.toolCache, CLEANUP_RESERVE_MS);
  if (removedWork.length > 0) log.info(`removed local leftovers: ${removedWork.join(', ')}`);
  const work = localWorkDir(settings.toolCache, 'push', ctx.owner);
  const counts = new Map<ScannedVersion, ArchiveMarker>();
  try {
    const failed: string[] = [];
    for (const v of verified) {
      try {
        counts.set(v, await archiveOne(ctx, work, v));
      } catch (error) {
        if (error instanceof BudgetExceededError) throw error;
        log.warn(`${versionKey(v)}: not archived, not pushed: ${errorMessage(error)}`);
        failed.push(versionKey(v));
      }
    }
    if (failed.length > 0) tally.notes.push(`not archived: ${failed.join(', ')}`);
    const archived = verified.filter((v) => counts.has(v));
    if (archived.length === 0) return;
    await stage(ctx, staging, archived, { root: work, paths: (v) => [archiveFile(v), archiveMarkerFile(v)] });
    const placed = await place(ctx, staging, archived, placeArchive);
    tally.versions += placed.length;
    for (const v of placed) {
      tally.files += counts.get(v)?.files ?? 0;
      tally.bytes += counts.get(v)?.bytes ?? 0;
    }
  } finally {
    await removeTree(work, Math.max(CLEANUP_RESERVE_MS, budget.remainingMs()));
    await fsp.rmdir(path.dirname(work)).catch(() => undefined); // .runtime-sync, when empty
  }
}
