/**
 * Time kept between the end of the work and the hard end of a run (ms): a stopped rsync gets SIGTERM, then
 * SIGKILL one second later, and the command removes its lease, staging folder and locks.
 */
export const STOP_GRACE_MS = 2_500;

/**
 * The hard time budget of a run (RUNTIME_SYNC_TIMEOUT_SECONDS) plus an abort for SIGTERM/SIGINT.
 *
 * Work (every subprocess gets `remainingMs()` and `signal`) is stopped STOP_GRACE_MS before the end (or
 * half the budget for tiny budgets), so the command can clean up and print its summary in time;
 * `whenOver()` resolves at the hard end (or a grace after an abort), for racing work that may hang in the
 * kernel on a dead mount.
 */
export class Budget {
  private readonly workEndMs: number;
  private readonly controller = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private abortReason = '';
  private readonly over: Promise<void>;
  private endOver: () => void = () => undefined;

  constructor(
    readonly totalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    const grace = Math.min(STOP_GRACE_MS, totalMs / 2);
    this.workEndMs = now() + totalMs - grace;
    this.over = new Promise((resolve) => (this.endOver = resolve));
    this.later(() => this.abort(`the time budget of ${totalMs / 1000} s ran out`), totalMs - grace);
    this.later(() => this.endOver(), totalMs);
    this.signal.addEventListener('abort', () => this.later(() => this.endOver(), grace), { once: true });
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the work was stopped ('' while it is not). */
  get reason(): string {
    return this.abortReason;
  }

  /** Time left for work (ms). */
  remainingMs(): number {
    return this.signal.aborted ? 0 : Math.max(0, this.workEndMs - this.now());
  }

  abort(reason: string): void {
    if (this.signal.aborted) return;
    this.abortReason = reason;
    this.controller.abort(new Error(reason));
  }

  /** Resolves at the hard end of the run. */
  whenOver(): Promise<void> {
    return this.over;
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
  }
}
