/**
 * Time for the fake GitHub and the scaler's tests. Every expiry the fake enforces (JWTs, installation
 * and registration tokens, rate-limit windows, outages) reads this clock, so a test can jump an hour
 * ahead without waiting.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when the test moves it. */
export class FakeClock implements Clock {
  private currentMs: number;

  /** Default start: Tuesday 2026-12-01 08:00 UTC (a weekday morning, inside office hours in Europe). */
  constructor(startMs: number = Date.UTC(2026, 11, 1, 8, 0, 0)) {
    this.currentMs = startMs;
  }

  now(): number {
    return this.currentMs;
  }

  /** Moves the clock forward by `ms` milliseconds (negative values are refused: time does not run back). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error(`FakeClock.advance: ms must be a finite number >= 0, got ${ms}`);
    this.currentMs += ms;
  }

  /** Sets the clock to an absolute time in ms since the epoch (may be earlier, for clock-skew tests). */
  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error(`FakeClock.set: ms must be finite, got ${ms}`);
    this.currentMs = ms;
  }
}
