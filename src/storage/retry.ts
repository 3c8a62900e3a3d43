/**
 * Retries inside a time budget. Backoff is exponential with full jitter: the delay before retry n
 * is uniform in [0, min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2^(n-1))], so clients that failed
 * together do not come back together. The sleep is injectable so tests never wait, and every wait
 * ends early when the budget runs out.
 */
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from '../config/constants';

/** Waits `milliseconds`, or less when `signal` aborts (it resolves then; the caller checks the signal). */
export type Sleep = (milliseconds: number, signal?: AbortSignal) => Promise<void>;

/**
 * The timer is not unref'd: while a step waits to retry, nothing else may keep Node running (before
 * tar starts there is no child process), and an unref'd wait would let the process exit silently.
 */
export const realSleep: Sleep = (milliseconds, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, milliseconds);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Delay before retry number `attempt` (1 = first retry), milliseconds: full jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(random() * cap);
}

/**
 * A deadline for a whole step (or one part of it). `signal` aborts when it passes; every request of
 * the step takes it, so nothing outlives the budget. The timer is unref'd and cleared by `dispose`.
 */
export class Budget {
  readonly signal: AbortSignal;
  readonly deadline: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly unlink: () => void;

  /**
   * `setting` names the knob that sets it and `total` its value, for messages (a budget cut from
   * another one reports the whole, e.g. "6 s (DAZN_CACHE_STEP_TIMEOUT_MINS)").
   */
  constructor(
    readonly milliseconds: number,
    readonly setting: string,
    parent?: Budget,
    readonly total: number = milliseconds,
  ) {
    this.signal = this.controller.signal;
    this.deadline = Date.now() + milliseconds;
    this.timer = setTimeout(() => this.controller.abort(), milliseconds);
    this.timer.unref();
    const onParent = (): void => this.controller.abort();
    if (parent?.signal.aborted) this.controller.abort();
    parent?.signal.addEventListener('abort', onParent, { once: true });
    this.unlink = () => parent?.signal.removeEventListener('abort', onParent);
  }

  get expired(): boolean {
    return this.signal.aborted;
  }

  remaining(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** A budget of at most `milliseconds` that also ends with this one. */
  child(milliseconds: number, setting: string): Budget {
    return milliseconds < this.remaining()
      ? new Budget(milliseconds, setting, this)
      : new Budget(this.remaining(), this.setting, this, this.total);
  }

  /** Ends the budget now (e.g. a save that failed stops its other requests). */
  cancel(): void {
    this.controller.abort();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unlink();
  }
}

/** Waits for `work`, but no longer than the budget: then rejects with `onExpiry()`. */
export async function withinBudget<T>(work: Promise<T>, budget: Budget, onExpiry: () => Error): Promise<T> {
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => reject(onExpiry());
    if (budget.expired) onAbort();
    else budget.signal.addEventListener('abort', onAbort, { once: true });
  });
  expired.catch(() => undefined);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    if (onAbort) budget.signal.removeEventListener('abort', onAbort);
  }
}

export interface RetryOptions {
  /** Attempts, the first included. */
  maxAttempts: number;
  budget: Budget;
  /** False for errors that will fail again (a 403, a refused entry): no retry. */
  retryable: (error: unknown) => boolean;
  sleep?: Sleep;
  random?: () => number;
  /** Told about each retry (attempt = the one that failed, 1-based) before the wait. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

/** How a retried call ended, for the caller to turn into its own error. */
export interface RetryFailure {
  /** The last error. */
  error: unknown;
  attempts: number;
  /** The budget ran out (during an attempt or a wait). */
  budgetExpired: boolean;
}

/** Runs `attempt` until it succeeds, fails permanently, runs out of attempts or out of budget. */
export async function withRetries<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
  fail: (failure: RetryFailure) => Error,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const { budget } = options;
  let lastError: unknown = new Error('not attempted: the budget had run out');
  for (let n = 1; ; n += 1) {
    if (budget.expired) throw fail({ error: lastError, attempts: n - 1, budgetExpired: true });
    try {
      return await attempt(budget.signal);
    } catch (error) {
      lastError = error;
      if (budget.expired) throw fail({ error, attempts: n, budgetExpired: true });
      if (n >= options.maxAttempts || !options.retryable(error)) {
        throw fail({ error, attempts: n, budgetExpired: false });
      }
      const delay = Math.min(backoffDelay(n, options.random), budget.remaining());
      options.onRetry?.(n, error, delay);
      await sleep(delay, budget.signal);
    }
  }
}
