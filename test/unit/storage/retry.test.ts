import { backoffDelay, Budget, withRetries, withinBudget } from '../../../src/storage/retry';
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from '../../../src/config/constants';

const budgets: Budget[] = [];
function budget(ms = 60_000): Budget {
  const b = new Budget(ms, 'TEST_BUDGET');
  budgets.push(b);
  return b;
}
afterEach(() => {
  for (const b of budgets.splice(0)) b.dispose();
});

describe('backoff', () => {
  it('is full jitter: uniform from 0 to the capped exponential', () => {
    expect(backoffDelay(1, () => 0)).toBe(0);
    expect(backoffDelay(1, () => 1)).toBe(RETRY_BASE_DELAY_MS);
    expect(backoffDelay(3, () => 1)).toBe(RETRY_BASE_DELAY_MS * 4);
    expect(backoffDelay(3, () => 0.5)).toBe(RETRY_BASE_DELAY_MS * 2);
    expect(backoffDelay(30, () => 1)).toBe(RETRY_MAX_DELAY_MS);
  });
});

describe('withRetries', () => {
  const fail = (f: { error: unknown; attempts: number; budgetExpired: boolean }): Error =>
    Object.assign(new Error(`gave up after ${f.attempts}${f.budgetExpired ? ' (budget)' : ''}`), f);

  it('retries transient failures with the injected sleep and returns the result', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('reset');
        return 'ok';
      },
      {
        maxAttempts: 5,
        budget: budget(),
        retryable: () => true,
        sleep: async (ms) => {
          waits.push(ms);
        },
        random: () => 1,
      },
      fail,
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([RETRY_BASE_DELAY_MS, RETRY_BASE_DELAY_MS * 2]);
  });

  it('stops at the attempt limit and does not retry a permanent failure', async () => {
    const noSleep = async (): Promise<void> => undefined;
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new Error('5xx');
        },
        { maxAttempts: 4, budget: budget(), retryable: () => true, sleep: noSleep },
        fail,
      ),
    ).rejects.toThrow('gave up after 4');
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new Error('403');
        },
        { maxAttempts: 4, budget: budget(), retryable: () => false, sleep: noSleep },
        fail,
      ),
    ).rejects.toThrow('gave up after 1');
    expect(calls).toBe(1);
  });

  it('ends when the budget runs out, during an attempt or a wait, and says so', async () => {
    const b = budget(50);
    let calls = 0;
    await expect(
      withRetries(
        (signal) =>
          new Promise((_, reject) => {
            calls += 1;
            signal.addEventListener('abort', () => reject(new Error('aborted')));
          }),
        { maxAttempts: 5, budget: b, retryable: () => true },
        fail,
      ),
    ).rejects.toThrow('gave up after 1 (budget)');
    expect(calls).toBe(1);
  });

  it('a cancelled child budget ends its requests but not the parent', async () => {
    const parent = budget();
    const child = parent.child(60_000, 'OTHER');
    budgets.push(child);
    child.cancel();
    expect(child.expired).toBe(true);
    expect(parent.expired).toBe(false);
    expect(child.setting).toBe('TEST_BUDGET'); // cut from the parent, it reports the parent's knob
    expect(child.total).toBe(60_000);
  });
});

describe('withinBudget', () => {
  it('rejects with the given error when the budget runs out first', async () => {
    const never = new Promise<string>(() => undefined);
    await expect(withinBudget(never, budget(20), () => new Error('too late'))).rejects.toThrow('too late');
    await expect(withinBudget(Promise.resolve('in time'), budget(), () => new Error('x'))).resolves.toBe(
      'in time',
    );
  });
});
