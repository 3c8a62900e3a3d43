import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import { leaseBody, leasePath, rewriteLease } from '../coordination/lease';
import { recordUse } from '../coordination/usage';
import { markerFile, versionDir, versionKey } from '../layout/names';
import { probeRoot } from '../layout/probe';
import { SCAN_NAMES, scanRoot, ScannedVersion, ScanRequest, ScanResult } from '../layout/scan';
import { Rsync } from '../rsync';
import { RunContext, refuseForeignRoot } from './context';

/** A lease outlives the pull's budget by this much (ms), so clock skew between hosts does not end it early. */
const LEASE_MARGIN_MS = 60_000;
/** When rsync is unusable, how long pull waits for the probe to finish so it can remove its lease (ms). */
const RSYNC_ERROR_LEASE_WAIT_MS = 2_000;

/**
 * Writes the local marker of each copied version, with the content and mtime the scan read on the root. This
 * replaces a second rsync for the markers: on EFS that costs a process start and a few round trips per
 * marker (~0.3 s on the model volume), a local write costs nothing. Each marker is written only after the
 * rsync of all folders succeeded; the markers are independent of each other, so they are written in parallel.
 */
async function writeMarkers(toolCache: string, versions: readonly ScannedVersion[]): Promise<void> {
  await Promise.all(
    versions.map(async (v) => {
      const file = path.join(toolCache, markerFile(v));
      await fsp.writeFile(file, Buffer.from(v.marker ?? '', 'base64'));
      const mtimeSeconds = v.markerMtimeMs / 1000;
      await fsp.utimes(file, mtimeSeconds, mtimeSeconds);
    }),
  );
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
    rsync = await ctx.rsync();
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

/**
 * pull: every complete version on the root that the local cache lacks, in one rsync for all folders; only
 * after it succeeded are their markers written (so a local marker never precedes its folder). A failure is a
 * warning: the markers of an interrupted copy are not written, which leaves the versions absent for
 * @actions/tool-cache.
 */
export async function pull(ctx: RunContext): Promise<void> {
  const { settings, budget, log, tally } = ctx;
  const lease = leasePath(settings.root, ctx.owner);
  const expiresAtMs = Date.now() + settings.timeoutMs + LEASE_MARGIN_MS;
  const starting = startPull(ctx, {
    root: settings.root,
    expectArch: ctx.arch,
    markers: true,
    lease: { path: lease, body: leaseBody(ctx.owner, expiresAtMs, null) },
  });
  // The local scan (local disk only) runs while the two children start; its error is raised after them, so
  // the lease is handled as for any other failure.
  let local: ScanResult | Error;
  try {
    local = scanRoot(fs, { root: settings.toolCache }, SCAN_NAMES);
  } catch (error) {
    local = error instanceof Error ? error : new Error(errorMessage(error));
  }
  const { rsync, remote } = await starting;
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
    if (wanted.length === 0) return;
    if (leased)
      narrowing = rewriteLease(lease, leaseBody(ctx.owner, expiresAtMs, wanted.map(versionKey))).catch(
        (e: unknown) => log.warn(`lease not narrowed (it keeps covering every version): ${errorMessage(e)}`),
      );
    // One rsync for every folder; the markers after it, from what the scan read.
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
  } finally {
    if (leased) {
      await narrowing;
      await fsp.unlink(lease).catch(() => undefined);
    }
  }
}
