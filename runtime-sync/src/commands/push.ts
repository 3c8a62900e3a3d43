import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { claimArch } from '../coordination/arch-claim';
import { LockSet } from '../coordination/lock';
import { cleanupExpired, Staging } from '../coordination/staging';
import { recordUse } from '../coordination/usage';
import { BudgetExceededError, errnoCode, errorMessage, ReadOnlyRootError } from '../errors';
import {
  ARCH_FILE,
  keyFileName,
  LOCKS_DIR,
  markerFile,
  STAGING_DIR,
  versionDir,
  versionKey,
} from '../layout/names';
import { probeRoot } from '../layout/probe';
import { SCAN_NAMES, scanRoot, ScannedVersion } from '../layout/scan';
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

/** The complete local versions the root lacks (after the root was probed and claimed). */
async function candidates(ctx: RunContext): Promise<ScannedVersion[]> {
  const { settings, budget, log } = ctx;
  const remote = await probeRoot({ root: settings.root, expectArch: ctx.arch }, budget);
  refuseForeignRoot(remote, ctx);
  await requireWritableRoot(ctx);
  await claimRootArch(ctx, remote.arch);
  const local = scanRoot(fs, { root: settings.toolCache }, SCAN_NAMES);
  const onRoot = new Set(remote.versions.map(versionKey));
  const missing = local.versions.filter((v) => !onRoot.has(versionKey(v)));
  log.info(`${local.versions.length} complete local versions, ${missing.length} missing on ${settings.root}`);
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
    if (!(await locks.tryAcquire(keyFileName(v)))) {
      ctx.log.info(`${versionKey(v)}: another runner is pushing it, skipping`);
      continue;
    }
    if (fs.existsSync(path.join(ctx.settings.root, markerFile(v)))) {
      ctx.log.info(`${versionKey(v)}: pushed by another runner meanwhile`);
      await locks.release(keyFileName(v));
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

/** Stage: one rsync of every folder and marker into the staging folder; a failed copy throws. */
async function stage(
  ctx: RunContext,
  staging: Staging,
  mine: readonly ScannedVersion[],
): Promise<CopyResult> {
  const { budget } = ctx;
  const rsync = await ctx.rsync();
  const copy = await rsync.copy({
    sourceRoot: ctx.settings.toolCache,
    destRoot: staging.dir,
    paths: mine.flatMap((v) => [versionDir(v), markerFile(v)]),
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

/** Place: the staged versions that pass verification, each renamed into place, marker last. */
async function place(
  ctx: RunContext,
  staging: Staging,
  mine: readonly ScannedVersion[],
): Promise<ScannedVersion[]> {
  const placed: ScannedVersion[] = [];
  for (const v of await verifyStaged(ctx, staging.dir, mine)) {
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
  await ctx.rsync(); // a missing rsync is a setup error, reported before the root is touched
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
    const copy = await stage(ctx, staging, mine);
    const placed = await place(ctx, staging, mine);
    tally.versions += placed.length;
    tally.files += copy.stats.files;
    tally.bytes += copy.stats.bytes;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    if (stagingCreated) await staging.remove(Math.max(CLEANUP_RESERVE_MS, budget.remainingMs()));
    await locks.releaseAll();
    await removeExpiredLeftovers(ctx);
  }
}

/**
 * With RUNTIME_SYNC_VERIFY=published (the default), the staged versions that are their tool's published
 * release; the others are refused (logged, noted in the summary, left in staging, which is removed).
 */
async function verifyStaged(
  ctx: RunContext,
  stagingDir: string,
  versions: readonly ScannedVersion[],
): Promise<ScannedVersion[]> {
  if (ctx.settings.verify === 'off') return [...versions];
  const byTool = publishers(ctx.settings);
  const accepted: ScannedVersion[] = [];
  const refused: string[] = [];
  for (const v of versions) {
    const verdict = await verifyAgainstPublished(
      v,
      path.join(stagingDir, versionDir(v)),
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
