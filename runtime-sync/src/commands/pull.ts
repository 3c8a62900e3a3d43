import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { checkArchiveTools, countTree, extractArchive, hashFile, refuseArchive } from '../archive/archive';
import { STOP_GRACE_MS } from '../budget';
import { errnoCode, errorMessage } from '../errors';
import { leaseBody, leasePath, rewriteLease } from '../coordination/lease';
import { localWorkDir, removeDeadLocalWork } from '../coordination/local-work';
import { removeTree } from '../coordination/staging';
import { recordUse } from '../coordination/usage';
import { archiveFile, keyFileName, markerFile, versionDir, versionKey } from '../layout/names';
import { probeRoot } from '../layout/probe';
import { SCAN_NAMES, scanRoot, ScannedVersion, ScanRequest, ScanResult } from '../layout/scan';
import { Rsync } from '../rsync';
import { RunContext, refuseForeignRoot } from './context';

/** A lease outlives the pull's budget by this much (ms), so clock skew between hosts does not end it early. */
const LEASE_MARGIN_MS = 60_000;
/** When rsync is unusable, how long pull waits for the probe to finish so it can remove its lease (ms). */
const RSYNC_ERROR_LEASE_WAIT_MS = 2_000;
/** Archives checked and extracted at once (each extraction is one tar and one zstd). */
const EXTRACTIONS_AT_ONCE = 2;

/**
 * Writes the local marker of each copied version, with the content and mtime the scan read on the root. This
 * replaces a second rsync for the markers: on EFS that costs a process start and a few round trips per
 * marker (~0.3 s on the model volume), a local write costs nothing. Each marker is written only after the
 * rsync of all folders succeeded; the markers are independent of each other, so they are written in parallel.
 */
async function writeMarkers(toolCache: string, versions: readonly ScannedVersion[]): Promise<void> {
  await Promise.all(versions.map((v) => writeMarker(toolCache, v)));
}

async function writeMarker(toolCache: string, v: ScannedVersion): Promise<void> {
  const file = path.join(toolCache, markerFile(v));
  await fsp.writeFile(file, Buffer.from(v.marker ?? '', 'base64'));
  const mtimeSeconds = v.markerMtimeMs / 1000;
  await fsp.utimes(file, mtimeSeconds, mtimeSeconds);
}

/**
 * The two independent start-up steps at once: `rsync --version` and the root probe (a child process, the
 * guard against a hung mount, which also writes the lease). A missing or old rsync is a setup error and is
 * reported as such, whatever the root does; the lease the probe may have written meanwhile is removed first,
 * waiting at most RSYNC_ERROR_LEASE_WAIT_MS for the probe (a hung root keeps it: it expires on its own).
 */
async function startPull(
  ctx: RunContext,
  request: ScanRequest,
): Promise<{ rsync: Rsync; remote: ScanResult }> {
  const probing = probeRoot(request, ctx.budget);
  // settled either way here; the outcome is read below
  probing.catch(() => undefined);
  let rsync: Rsync;
  try {
    // the archive layout's tools are checked up front, like rsync: a missing one is a setup error
    const tools = ctx.settings.layout === 'archive' ? checkArchiveTools() : undefined;
    [rsync] = await Promise.all([ctx.rsync(), tools]);
  } catch (error) {
    const probed = await Promise.race([
      probing.catch(() => undefined),
      new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), RSYNC_ERROR_LEASE_WAIT_MS).unref(),
      ),
    ]);
    if (probed?.leaseWritten === true && request.lease)
      await fsp.unlink(request.lease.path).catch(() => undefined);
    throw error;
  }
  return { rsync, remote: await probing };
}

/** Runs `work` on every item, at most `width` at a time. */
async function atMost<T>(
  width: number,
  items: readonly T[],
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/** The folder form: one rsync for every folder; the markers after it, from what the scan read. */
async function pullFolders(
  ctx: RunContext,
  rsync: Rsync,
  wanted: readonly ScannedVersion[],
  leased: boolean,
) {
  const { settings, budget, log, tally } = ctx;
  if (wanted.length === 0) return;
  const data = await rsync.copy({
    sourceRoot: settings.root,
    destRoot: settings.toolCache,
    paths: wanted.map(versionDir),
    timeoutMs: budget.remainingMs(),
    signal: budget.signal,
  });
  tally.files += data.stats.files;
  tally.bytes += data.stats.bytes;
  if (!data.ok) {
    const why = data.stopped ? budget.reason : `rsync exited ${String(data.exitCode)}: ${data.errorTail}`;
    log.warn(`pull stopped, no version was marked complete: ${why}`);
    tally.notes.push(`warning: ${why}`);
    return;
  }
  // The local markers and the usage records on the root do not depend on each other: both at once.
  const recording = leased
    ? recordUse(settings.root, wanted).catch((e: unknown) =>
        log.warn(`last use not recorded: ${errorMessage(e)}`),
      )
    : Promise.resolve();
  await Promise.all([writeMarkers(settings.toolCache, wanted), recording]);
  tally.files += wanted.length;
  tally.versions += wanted.length;
  for (const v of wanted) log.info(`pulled ${versionKey(v)}`);
}

/**
 * One archive, received in `work`: size and sha256 against its marker, every member under `<arch>/`
 * (refuseArchive), extracted into a private folder, file count and bytes against the marker, then the
 * folder renamed into the tool cache and the local marker written, last. Returns why it was refused, or
 * undefined when installed (or installed meanwhile by someone else, which is left alone).
 */
async function installArchive(ctx: RunContext, work: string, v: ScannedVersion): Promise<string | undefined> {
  const { settings, budget } = ctx;
  const expected = v.archive;
  if (!expected) return 'its marker was not read';
  const file = path.join(work, archiveFile(v));
  const size = (await fsp.stat(file).catch(() => undefined))?.size;
  if (size === undefined) return 'the archive was not copied';
  if (size !== expected.size) return `the archive has ${size} bytes, its marker says ${expected.size}`;
  const bounds = () => ({ timeoutMs: budget.remainingMs(), signal: budget.signal });
  // Hashing and listing only read the file: both at once; nothing is extracted before both passed.
  const [{ sha256 }, refused] = await Promise.all([hashFile(file), refuseArchive(file, v.arch, bounds())]);
  if (sha256 !== expected.sha256)
    return `the archive has sha256 ${sha256}, its marker says ${expected.sha256}`;
  if (refused) return `member refused: ${refused}`;
  const into = path.join(work, '.extract', keyFileName(v));
  await fsp.mkdir(into, { recursive: true });
  const failed = await extractArchive(file, into, bounds());
  if (failed) return failed;
  const top = await fsp.readdir(into);
  if (top.length !== 1 || top[0] !== v.arch) return `extracted ${top.join(', ')} instead of ${v.arch}/`;
  const count = await countTree(path.join(into, v.arch));
  if (count.files !== expected.files || count.bytes !== expected.bytes) {
    return `extracted ${count.files} files, ${count.bytes} bytes; its marker says ${expected.files}, ${expected.bytes}`;
  }
  await fsp.unlink(file).catch(() => undefined); // room on the local disk, as soon as possible
  const target = path.join(settings.toolCache, versionDir(v));
  await fsp.mkdir(path.dirname(target), { recursive: true });
  if (fs.existsSync(path.join(settings.toolCache, markerFile(v)))) {
    ctx.log.info(`${versionKey(v)}: installed locally meanwhile, left alone`);
    return undefined;
  }
  // a folder without its marker never counted (an interrupted pull's): moved aside, removed with `work`
  await fsp.rename(target, path.join(work, '.extract', `${keyFileName(v)}.old`)).catch((e: unknown) => {
    if (errnoCode(e) !== 'ENOENT') throw e;
  });
  await fsp.rename(path.join(into, v.arch), target);
  await writeMarker(settings.toolCache, v);
  ctx.tally.versions += 1;
  ctx.tally.files += expected.files + 1;
  ctx.tally.bytes += expected.bytes;
  ctx.log.info(`pulled ${versionKey(v)} (archive)`);
  return undefined;
}

/**
 * The archive form: one rsync of every archive into a private work folder in the tool cache, then at most
 * EXTRACTIONS_AT_ONCE at a time checked and installed (installArchive). A refused version is a warning and
 * stays absent. The work folder is removed at the end (one left by a killed pull, by the next pull).
 */
async function pullArchives(
  ctx: RunContext,
  rsync: Rsync,
  wanted: readonly ScannedVersion[],
  leased: boolean,
) {
  const { settings, budget, log, tally } = ctx;
  if (wanted.length === 0) return;
  if (settings.layout !== 'archive') {
    try {
      await checkArchiveTools();
    } catch (error) {
      const why = `${wanted.length} versions exist only as archives and were not pulled: ${errorMessage(error)}`;
      log.warn(why);
      tally.notes.push(`warning: ${why}`);
      return;
    }
  }
  const work = localWorkDir(settings.toolCache, 'pull', ctx.owner);
  await fsp.mkdir(work, { recursive: true });
  try {
    const copy = await rsync.copy({
      sourceRoot: settings.root,
      destRoot: work,
      paths: wanted.map(archiveFile),
      timeoutMs: budget.remainingMs(),
      signal: budget.signal,
    });
    if (!copy.ok) {
      const why = copy.stopped ? budget.reason : `rsync exited ${String(copy.exitCode)}: ${copy.errorTail}`;
      log.warn(`archive copy failed, only the archives that arrived whole are installed: ${why}`);
      tally.notes.push(`warning: ${why}`);
      if (copy.stopped) return;
    }
    const installed: ScannedVersion[] = [];
    const refused: string[] = [];
    await atMost(EXTRACTIONS_AT_ONCE, wanted, async (v) => {
      let why: string | undefined;
      try {
        why = await installArchive(ctx, work, v);
      } catch (error) {
        why = errorMessage(error);
      }
      if (why === undefined) installed.push(v);
      else {
        log.warn(`${versionKey(v)}: archive refused, not installed: ${why}`);
        refused.push(versionKey(v));
      }
    });
    if (refused.length > 0) tally.notes.push(`warning: archives refused: ${refused.join(', ')}`);
    if (leased && installed.length > 0)
      await recordUse(settings.root, installed).catch((e: unknown) =>
        log.warn(`last use not recorded: ${errorMessage(e)}`),
      );
  } finally {
    await removeTree(work, Math.max(STOP_GRACE_MS, budget.remainingMs()));
    await fsp.rmdir(path.dirname(work)).catch(() => undefined); // .runtime-sync, when empty
  }
}

/** Which form each wanted version is pulled in: the layout's when the root has both, else the one there. */
function byForm(ctx: RunContext, wanted: readonly ScannedVersion[]) {
  const viaArchive = (v: ScannedVersion): boolean =>
    v.forms.includes('archive') && (ctx.settings.layout === 'archive' || !v.forms.includes('folder'));
  return { archives: wanted.filter(viaArchive), folders: wanted.filter((v) => !viaArchive(v)) };
}

/**
 * pull: every complete version on the root that the local cache lacks. Folders: one rsync for all of them,
 * and only after it succeeded their markers (so a local marker never precedes its folder). Archives: one
 * rsync for all of them, then each checked, extracted and renamed into place, marker last. The two run at
 * once. A failure is a warning: a version whose marker is not written stays absent for @actions/tool-cache.
 */
export async function pull(ctx: RunContext): Promise<void> {
  const { settings, log } = ctx;
  const lease = leasePath(settings.root, ctx.owner);
  const expiresAtMs = Date.now() + settings.timeoutMs + LEASE_MARGIN_MS;
  // The local scan first (the local disk: a few ms), so that the probe need not open the markers of versions
  // already here (a warm runner start: no marker read, no usage lookup on EFS). Its error is raised after the
  // children, so the lease is handled as for any other failure.
  let local: ScanResult | Error;
  try {
    local = scanRoot(fs, { root: settings.toolCache }, SCAN_NAMES);
  } catch (error) {
    local = error instanceof Error ? error : new Error(errorMessage(error));
  }
  const { rsync, remote } = await startPull(ctx, {
    root: settings.root,
    expectArch: ctx.arch,
    markers: true,
    known: local instanceof Error ? [] : local.versions.map(versionKey),
    lease: { path: lease, body: leaseBody(ctx.owner, expiresAtMs, null) },
  });
  refuseForeignRoot(remote, ctx);
  const leased = remote.leaseWritten === true;
  if (!leased)
    log.warn(
      `could not take a lease on ${settings.root} (${remote.leaseError ?? '?'}): prune may race this pull`,
    );
  // Narrowing the lease runs alongside the copy: until it lands the lease covers every version (null), after
  // it the versions copied, so every moment is covered. It is awaited before the lease is removed.
  let narrowing: Promise<void> = Promise.resolve();
  try {
    if (local instanceof Error) throw local;
    await fsp.mkdir(settings.toolCache, { recursive: true });
    const have = new Set(local.versions.map(versionKey));
    const wanted = remote.versions.filter((v) => !have.has(versionKey(v)));
    log.info(
      `${remote.versions.length} complete versions on ${settings.root}, ${have.size} already local, ` +
        `${wanted.length} to pull`,
    );
    // what a killed archive pull left in the local tool cache (a readdir when there is nothing)
    const removed = await removeDeadLocalWork(settings.toolCache, STOP_GRACE_MS);
    if (removed.length > 0) log.info(`removed local leftovers: ${removed.join(', ')}`);
    if (wanted.length === 0) return;
    if (leased)
      narrowing = rewriteLease(lease, leaseBody(ctx.owner, expiresAtMs, wanted.map(versionKey))).catch(
        (e: unknown) => log.warn(`lease not narrowed (it keeps covering every version): ${errorMessage(e)}`),
      );
    const { archives, folders } = byForm(ctx, wanted);
    if (archives.length > 0) log.info(`${archives.length} as archives, ${folders.length} as folders`);
    await Promise.all([pullFolders(ctx, rsync, folders, leased), pullArchives(ctx, rsync, archives, leased)]);
  } finally {
    if (leased) {
      await narrowing;
      await fsp.unlink(lease).catch(() => undefined);
    }
  }
}
