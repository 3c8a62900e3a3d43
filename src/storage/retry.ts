/** Exponential backoff with full jitter; the sleep is injectable so tests never wait. */
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from '../config/constants';

export type Sleep = (milliseconds: number) => Promise<void>;

export const realSleep: Sleep = (milliseconds) =>
  new Promise((resolve) => setTimeout(resolve, milliseconds).unref());

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
