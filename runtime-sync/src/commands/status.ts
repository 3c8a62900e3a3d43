import * as fs from 'node:fs';
import { errorMessage } from '../errors';
import { formatBytes } from '../log';
import { probeRoot } from '../layout/probe';
import { SCAN_NAMES, scanRoot, ScannedVersion, ScanResult } from '../layout/scan';
import { versionKey } from '../layout/names';
import { RunContext, refuseForeignRoot } from './context';

function rows(where: string, scan: ScanResult): string[] {
  const line = (v: ScannedVersion): string =>
    [
      where.padEnd(6),
      versionKey(v).padEnd(40),
      (v.forms.length > 1 ? 'both' : (v.forms[0] ?? '')).padEnd(7),
      formatBytes(v.bytes ?? 0).padStart(10),
      String(v.files ?? 0).padStart(8),
      `  ${new Date(v.lastUsedMs).toISOString()}`,
    ].join(' ');
  return [
    ...scan.versions.map(line),
    ...scan.incomplete.map(
      (key) => `${where.padEnd(6)} ${key.padEnd(40)} (incomplete: no marker, never moved)`,
    ),
    ...scan.unmarkedArchives.map(
      (a) =>
        `${where.padEnd(6)} ${a.path.padEnd(40)} (archive without its marker: being placed, or left by a killed push)`,
    ),
  ];
}

/**
 * status: versions on the root and locally, with their form (folder, archive or both; an archive's size and
 * file count come from its marker), sizes, file counts and last use.
 */
export async function status(ctx: RunContext): Promise<void> {
  const { settings, budget, tally } = ctx;
  const remote = await probeRoot({ root: settings.root, expectArch: ctx.arch, sizes: true }, budget);
  refuseForeignRoot(remote, ctx);
  let local: ScanResult;
  try {
    local = scanRoot(fs, { root: settings.toolCache, sizes: true }, SCAN_NAMES);
  } catch (error) {
    ctx.log.warn(`cannot read the local tool cache ${settings.toolCache}: ${errorMessage(error)}`);
    local = {
      exists: false,
      arch: null,
      archMismatch: false,
      versions: [],
      incomplete: [],
      unmarkedArchives: [],
    };
  }
  const out = [
    `root ${settings.root} (${remote.arch ?? 'no architecture yet'}), local ${settings.toolCache}`,
    `${'where'.padEnd(6)} ${'version'.padEnd(40)} ${'form'.padEnd(7)} ${'size'.padStart(10)} ${'files'.padStart(8)}   last use`,
    ...rows('efs', remote),
    ...rows('local', local),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  tally.versions = remote.versions.length;
  tally.files = remote.versions.reduce((n, v) => n + (v.files ?? 0), 0);
  tally.bytes = remote.versions.reduce((n, v) => n + (v.bytes ?? 0), 0);
  const localBytes = local.versions.reduce((n, v) => n + (v.bytes ?? 0), 0);
  tally.notes.push(`on the root; local: ${local.versions.length} versions, ${localBytes} bytes`);
}
