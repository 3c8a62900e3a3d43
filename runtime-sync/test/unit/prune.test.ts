import { chooseVictims } from '../../src/commands/prune';
import { exitCodeFor } from '../../src/main';
import { ArchMismatchError, BudgetExceededError, RootUnavailableError } from '../../src/errors';
import { ScannedVersion } from '../../src/layout/scan';

const DAY = 24 * 60 * 60 * 1000;
const now = 100 * DAY;
const v = (version: string, daysAgo: number, bytes: number): ScannedVersion => ({
  tool: 'node',
  version,
  arch: 'x64',
  forms: ['folder'],
  markerMtimeMs: now - daysAgo * DAY,
  lastUsedMs: now - daysAgo * DAY,
  bytes,
});

describe('chooseVictims', () => {
  const versions = [v('a', 30, 100), v('b', 10, 100), v('c', 1, 100)];
  it('picks versions unused for longer than the age', () => {
    expect(chooseVictims(versions, now, 7, undefined).map((x) => x.version)).toEqual(['a', 'b']);
  });
  it('picks the least recently used until the rest fits the cap', () => {
    expect(chooseVictims(versions, now, undefined, 150).map((x) => x.version)).toEqual(['a', 'b']);
    expect(chooseVictims(versions, now, undefined, 300)).toEqual([]);
    expect(chooseVictims(versions, now, 20, 250).map((x) => x.version)).toEqual(['a']);
  });
  it('counts what a version takes on the volume (folder plus archive) against the cap', () => {
    const both = {
      ...v('d', 2, 100),
      forms: ['folder', 'archive'] as ScannedVersion['forms'],
      storedBytes: 140,
    };
    const withBoth = [v('a', 30, 100), both, v('c', 1, 100)];
    expect(chooseVictims(withBoth, now, undefined, 240).map((x) => x.version)).toEqual(['a']);
    expect(chooseVictims(withBoth, now, undefined, 239).map((x) => x.version)).toEqual(['a', 'd']);
  });
});

describe('exitCodeFor (the failure policy)', () => {
  it('turns root trouble into exit 0 for pull and a code for the others', () => {
    expect(exitCodeFor('pull', new RootUnavailableError('x'))).toBe(0);
    expect(exitCodeFor('pull', new BudgetExceededError('x'))).toBe(0);
    expect(exitCodeFor('pull', new Error('x'))).toBe(0);
    expect(exitCodeFor('pull', new ArchMismatchError('x'))).toBe(3);
    expect(exitCodeFor('push', new RootUnavailableError('x'))).toBe(6);
    expect(exitCodeFor('push', new BudgetExceededError('x'))).toBe(5);
    expect(exitCodeFor('prune', new Error('x'))).toBe(1);
  });
});
