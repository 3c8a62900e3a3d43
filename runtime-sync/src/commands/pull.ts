import * as fs from 'node:fs';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import { leaseBody, leasePath, rewriteLease } from '../coordination/lease';
import { recordUse } from '../coordination/usage';
import { markerFile, versionDir, versionKey } from '../layout/names';
import { probeRoot } from '../layout/probe';
import { SCAN_NAMES, scanRoot } from '../layout/scan';
import { CopyResult } from '../rsync';
import { RunContext, refuseForeignRoot } from './context';

/** A lease outlives the pull's budget by this much (ms), so clock skew between hosts does not end it early. */
const LEASE_MARGIN_MS = 60_000;

/**
 * pull: every complete version on the root that the local cache lacks, in one rsync for all folders and
 * then one for their markers (so a local marker never precedes its folder). A failure is a warning: the
 * markers of an interrupted copy are not written, which leaves the versions absent for @actions/tool-cache.
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
    // One rsync for every folder, then one for their markers: a marker never arrives before its folder.
    const copy = (paths: string[]): Promise<CopyResult> =>
      rsync.copy({
        sourceRoot: settings.root,
        destRoot: settings.toolCache,
        paths,
        timeoutMs: budget.remainingMs(),
        signal: budget.signal,
      });
    const warn = (result: CopyResult, what: string): void => {
      const why = result.stopped
        ? budget.reason
        : `rsync exited ${String(result.exitCode)}: ${result.errorTail}`;
      log.warn(`${what}: ${why}`);
      tally.notes.push(`warning: ${why}`);
    };
    const data = await copy(wanted.map(versionDir));
    tally.files += data.stats.files;
    tally.bytes += data.stats.bytes;
    if (!data.ok) {
      warn(data, 'pull stopped, no version was marked complete');
      return;
    }
    const markers = await copy(wanted.map(markerFile));
    tally.files += markers.stats.files;
    const pulled = wanted.filter((v) => existsSync(path.join(settings.toolCache, markerFile(v))));
    tally.versions += pulled.length;
    if (!markers.ok) warn(markers, `${wanted.length - pulled.length} versions were not marked complete`);
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
