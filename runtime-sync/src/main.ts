/** The program: parses settings, runs one command under its budget, applies the exit-code policy. */
import { Budget } from './budget';
import { detectArch } from './arch';
import { pull } from './commands/pull';
import { push } from './commands/push';
import { prune } from './commands/prune';
import { status } from './commands/status';
import { RunContext } from './commands/context';
import { newOwner } from './coordination/owner';
import { Command, HELP, parseArgs, Settings } from './config';
import {
  BudgetExceededError,
  errorMessage,
  ExitCode,
  ExitCodeValue,
  isSetupError,
  RuntimeSyncError,
} from './errors';
import { createLogger, emptyTally, Logger, summaryLine } from './log';
import { createRsync, Rsync } from './rsync';

export const VERSION = '1.0.0';

const COMMAND_RUNNERS: Record<Command, (ctx: RunContext) => Promise<void>> = { pull, push, status, prune };

/**
 * The failure policy, in one place: pull turns everything but a setup error into a warning and exit 0;
 * the other commands exit with the code carried by the error (1 for an unexpected one).
 */
export function exitCodeFor(command: Command, error: unknown): ExitCodeValue {
  if (isSetupError(error)) return error.exitCode;
  if (command === 'pull') return ExitCode.Ok;
  return error instanceof RuntimeSyncError ? error.exitCode : ExitCode.Failure;
}

async function execute(settings: Settings, log: Logger): Promise<ExitCodeValue> {
  const started = Date.now();
  const tally = emptyTally();
  const budget = new Budget(settings.timeoutMs);
  const onSignal = (signal: NodeJS.Signals): void => budget.abort(`stopped by ${signal}`);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let rsync: Promise<Rsync> | undefined;
  let code: ExitCodeValue = ExitCode.Ok;
  try {
    const ctx: RunContext = {
      settings,
      budget,
      log,
      arch: detectArch(),
      owner: newOwner(),
      tally,
      rsync: () => (rsync ??= createRsync(settings.rsyncPath)),
    };
    // Work on a hung mount may never return: the budget ends the run regardless.
    const stopped = budget.whenOver().then(() => {
      throw new BudgetExceededError(`${settings.command} did not finish in time: ${budget.reason}`);
    });
    await Promise.race([COMMAND_RUNNERS[settings.command](ctx), stopped]);
  } catch (error) {
    code = exitCodeFor(settings.command, error);
    if (code === ExitCode.Ok) {
      log.warn(`${errorMessage(error)} (pull goes on without the shared cache)`);
      tally.notes.push(`warning: ${errorMessage(error)}`);
    } else {
      log.error(errorMessage(error));
      tally.notes.push(`error (exit ${code}): ${errorMessage(error)}`);
    }
  } finally {
    budget.dispose();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  process.stdout.write(`${summaryLine(settings.command, tally, (Date.now() - started) / 1000)}\n`);
  return code;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<ExitCodeValue> {
  const log = createLogger();
  let parsed;
  try {
    parsed = parseArgs(argv, env);
  } catch (error) {
    log.error(errorMessage(error));
    process.stdout.write(`runtime-sync: error (exit ${ExitCode.Usage}): ${errorMessage(error)}\n`);
    return ExitCode.Usage;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`runtime-sync ${VERSION}\n`);
    return ExitCode.Ok;
  }
  return execute(parsed.settings, log);
}
