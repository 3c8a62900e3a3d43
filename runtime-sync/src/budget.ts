/**
 * The hard time budget of a run (RUNTIME_SYNC_TIMEOUT_SECONDS) plus an abort for SIGTERM/SIGINT. Every
 * subprocess gets `remainingMs()` as its timeout and `signal` to be stopped early.
 */
export class Budget {
  private readonly endMs: number;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private abortReason = '';

  constructor(
    readonly totalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.endMs = now() + totalMs;
    this.timer = setTimeout(() => this.abort(`the time budget of ${totalMs / 1000} s ran out`), totalMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the run was stopped ('' while it is not). */
  get reason(): string {
    return this.abortReason;
  }

  remainingMs(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.endMs - this.now());
  }

  abort(reason: string): void {
    if (this.signal.aborted) return;
    this.abortReason = reason;
    this.controller.abort(new Error(reason));
  }

  /** Resolves when the budget is spent or the run is aborted (to race work that may hang in the kernel). */
  whenStopped(): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal.aborted) resolve();
      else this.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
