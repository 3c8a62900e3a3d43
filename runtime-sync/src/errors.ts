/**
 * Exit codes and the named errors that carry them. The failure policy lives in one place (`exitCodeFor` in main.ts):
 * `pull` turns everything except a usage error, a foreign-architecture root and a missing rsync into a
 * warning and exits 0; the other commands exit with the code of the error.
 */
export const ExitCode = {
  /** Done (for `pull`: also when it only warned). */
  Ok: 0,
  /** Unexpected failure (push, status, prune). */
  Failure: 1,
  /** Bad command line or setting; the message names the flag or variable and the fix. */
  Usage: 2,
  /** The root was written by the other CPU architecture: a wrong mount. */
  ArchMismatch: 3,
  /** rsync is missing or too old. */
  RsyncUnavailable: 4,
  /** push or prune ran out of its time budget (RUNTIME_SYNC_TIMEOUT_SECONDS) or was stopped by a signal. */
  BudgetExceeded: 5,
  /** The root is missing, unreadable or did not answer in time (push, status, prune). */
  RootUnavailable: 6,
  /** push: the root is mounted read-only for this runner (a reader pool): nothing was written. */
  ReadOnlyRoot: 7,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class RuntimeSyncError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends RuntimeSyncError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

export class ArchMismatchError extends RuntimeSyncError {
  constructor(message: string) {
    super(message, ExitCode.ArchMismatch);
  }
}

export class RsyncUnavailableError extends RuntimeSyncError {
  constructor(message: string) {
    super(message, ExitCode.RsyncUnavailable);
  }
}

export class BudgetExceededError extends RuntimeSyncError {
  constructor(message: string) {
    super(message, ExitCode.BudgetExceeded);
  }
}

export class RootUnavailableError extends RuntimeSyncError {
  constructor(message: string) {
    super(message, ExitCode.RootUnavailable);
  }
}

export class ReadOnlyRootError extends RuntimeSyncError {
  constructor(message: string) {
    super(message, ExitCode.ReadOnlyRoot);
  }
}

/** Errors that are a wrong setup rather than a passing condition: even `pull` fails on them. */
export function isSetupError(error: unknown): error is RuntimeSyncError {
  return (
    error instanceof UsageError ||
    error instanceof ArchMismatchError ||
    error instanceof RsyncUnavailableError
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** The archive layout's tar or zstd is missing (the same exit code as a missing rsync). */
export class ArchiveToolsUnavailableError extends RsyncUnavailableError {}
