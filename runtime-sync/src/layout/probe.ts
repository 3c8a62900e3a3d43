import { Budget } from '../budget';
import { RootUnavailableError } from '../errors';
import { runBounded } from '../process/run';
import { SCAN_NAMES, SCAN_PROGRAM, ScanRequest, ScanResult } from './scan';

interface ScanReply {
  ok: boolean;
  result?: ScanResult;
  code?: string;
  message?: string;
}

/**
 * Scans the EFS root in a child process bounded by the run's budget. A missing, unreadable or hung root
 * becomes a RootUnavailableError naming the root and what to check.
 */
export async function probeRoot(request: ScanRequest, budget: Budget): Promise<ScanResult> {
  const root = request.root;
  const run = await runBounded(
    process.execPath,
    ['-e', SCAN_PROGRAM, JSON.stringify(request), JSON.stringify(SCAN_NAMES)],
    { timeoutMs: budget.remainingMs(), signal: budget.signal },
  );
  if (run.stopped) {
    throw new RootUnavailableError(
      `${root} did not answer before ${budget.reason || 'the time budget ran out'}: check the EFS mount (RUNTIME_SYNC_ROOT)`,
    );
  }
  let reply: ScanReply;
  try {
    reply = JSON.parse(run.stdout) as ScanReply;
  } catch {
    throw new RootUnavailableError(
      `scanning ${root} failed (exit ${String(run.code)}): ${run.stderr.trim()}`,
    );
  }
  if (!reply.ok || !reply.result) {
    throw new RootUnavailableError(
      `cannot read ${root} (RUNTIME_SYNC_ROOT): ${reply.message ?? 'unknown error'}`,
    );
  }
  if (!reply.result.exists) {
    throw new RootUnavailableError(
      `${root} does not exist: mount this architecture's EFS volume there, or fix RUNTIME_SYNC_ROOT`,
    );
  }
  return reply.result;
}
