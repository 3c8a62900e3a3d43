/**
 * Runner names: `<prefix>-<pool>-<12 lowercase hex>`, at most 64 characters of [A-Za-z0-9._-]
 * (GitHub's limit); the pool part is shortened when needed. The prefix marks the runners (and tasks)
 * this scaler may stop or delete.
 */
import { randomBytes } from 'node:crypto';

export const MAX_NAME = 64;
const SUFFIX_HEX = 12;

export function runnerName(
  prefix: string,
  pool: string,
  random: () => string = () => randomBytes(6).toString('hex'),
): string {
  const suffix = random();
  if (!new RegExp(`^[0-9a-f]{${SUFFIX_HEX}}$`).test(suffix))
    throw new Error('runner name suffix must be 12 hex digits');
  const room = MAX_NAME - prefix.length - SUFFIX_HEX - 2;
  const poolPart = pool.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, Math.max(room, 1));
  return `${prefix}-${poolPart}-${suffix}`;
}

export function isOurs(name: string, prefix: string): boolean {
  return name.startsWith(`${prefix}-`);
}
