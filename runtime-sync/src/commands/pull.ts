import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import { leaseBody, leasePath, rewriteLease } from '../coordination/lease';
import { recordUse } from '../coordination/usage';
import { markerFile, versionDir, versionKey } from '../layout/names';
import { probeRoot } from '../layout/probe';
import { SCAN_NAMES, scanRoot, ScannedVersion } from '../layout/scan';
import { RunContext, refuseForeignRoot } from './context';

/** A lease outlives the pull's budget by this much (ms), so clock skew between hosts does not end it early. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Writes the local marker of each copied version, with the content and mtime the scan read on the root. This
 * replaces a second rsync for the markers: on EFS that costs a process start and a few round trips per
 * marker (~0.3 s on the model volume), a local write costs nothing.
 */
async function writeMarkers(toolCache: string, versions: readonly ScannedVersion[]): Promise<void> {
  for (const v of versions) {
    const file = path.join(toolCache, markerFile(v));
    await fsp.writeFile(file, Buffer.from(v.marker ?? '', 'base64'));
    const mtimeSeconds = v.markerMtimeMs / 1000;
    await fsp.utimes(file, mtimeSeconds, mtimeSeconds);
  }
}

/**
 * pull: every complete version on the root that the local cache lacks, in one rsync for all folders; only
 * after it succeeded are their markers written (so a local marker never precedes its folder). A failure is a
 * warning: the markers of an interrupted copy are not written, which leaves the versions absent for
 * @actions/tool-cache.
 */
export async function pull(ctx: RunContext): Promise<void> {
  const { settings, budget, log, tally } = ctx;
  const rsync = await ctx.rsync();
  const lease = leasePath(settings.root, ctx.owner);
  const expiresAtMs = Date.now() + settings.timeoutMs + LEASE_MARGIN_MS;
  const remote = await probeRoot(
    {
      root: settings.root,
      expectArch: ctx.arch,
      markers: true,
      lease: { path: lease, body: leaseBody(ctx.owner, expiresAtMs, null) },
    },
    budget,
  );
  refuseForeignRoot(remote, ctx);
  const leased = remote.leaseWritten === true;
  if (!leased)
    log.warn(
      `could not take a lease on ${settings.root} (${remote.leaseError ?? '?'}): prune may race this pull`,
    );
  try {
    await fsp.mkdir(settings.toolCache, { recursive: true });
    const local = scanRoot(fs, { root: settings.toolCache }, SCAN_NAMES);
    const have = new Set(local.versions.map(versionKey));
    const wanted = remote.versions.filter((v) => !have.has(versionKey(v)));
    log.info(
      `${remote.versions.length} complete versions on ${settings.root}, ${have.size} already local, ` +
        `${wanted.length} to pull`,
    );
    if (wanted.length === 0) return;
    if (leased) await rewriteLease(lease, leaseBody(ctx.owner, expiresAtMs, wanted.map(versionKey)));
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
    await writeMarkers(settings.toolCache, wanted);
    const pulled = wanted;
    tally.files += pulled.length;
    tally.versions += pulled.length;
    for (const v of pulled) log.info(`pulled ${versionKey(v)}`);
    if (leased) {
      await recordUse(settings.root, pulled).catch((e: unknown) =>
        log.warn(`last use not recorded: ${errorMessage(e)}`),
      );
    }
  } finally {
    if (leased) await fsp.unlink(lease).catch(() => undefined);
  }
}
