import { Budget } from '../budget';
import { Owner } from '../coordination/owner';
import { Settings } from '../config';
import { ArchMismatchError } from '../errors';
import { ScanResult } from '../layout/scan';
import { Logger, Tally } from '../log';
import { Rsync } from '../rsync';

/** What every command gets: settings, budget, logger, this machine's architecture, the run's tally. */
export interface RunContext {
  settings: Settings;
  budget: Budget;
  log: Logger;
  arch: string;
  owner: Owner;
  tally: Tally;
  /** Created on first use (status and prune do not need rsync). */
  rsync(): Promise<Rsync>;
}

export function refuseForeignRoot(scan: ScanResult, ctx: RunContext): void {
  if (scan.archMismatch) refuseForeignArch(scan.arch ?? '?', ctx);
}

/** The architecture rule: a root written by machines of another architecture is a wrong mount. */
export function refuseForeignArch(rootArch: string, ctx: Pick<RunContext, 'arch' | 'settings'>): void {
  if (rootArch === ctx.arch) return;
  throw new ArchMismatchError(
    `${ctx.settings.root} holds the tool cache of '${rootArch}' machines but this machine is ` +
      `'${ctx.arch}': mount this architecture's EFS volume at RUNTIME_SYNC_ROOT (a wrong mount would mix binaries)`,
  );
}
