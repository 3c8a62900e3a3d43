/**
 * One clock for the whole test process: the fake GitHub, the scaler's bundles (Date.now, new Date())
 * and octokit's token cache all read it, so "an hour later" is an hour later for everyone. It runs at
 * `speed` times real time and can jump forward. Timers (setTimeout) stay real.
 */
export interface SimClock {
  now(): number;
  advance(ms: number): void;
  restore(): void;
}

export function installSimClock(startMs: number = Date.now(), speed = 1): SimClock {
  const RealDate = Date;
  const realNow = (): number => RealDate.now();
  const realStart = realNow();
  let offset = 0;
  const now = (): number => Math.floor(startMs + (realNow() - realStart) * speed + offset);
  class SimDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }
    static now(): number {
      return now();
    }
  }
  globalThis.Date = SimDate as DateConstructor;
  return {
    now,
    advance(ms) {
      if (!(ms >= 0)) throw new Error(`advance: ms must be >= 0, got ${ms}`);
      offset += ms;
    },
    restore() {
      globalThis.Date = RealDate;
    },
  };
}
