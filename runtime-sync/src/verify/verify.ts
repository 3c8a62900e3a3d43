/**
 * Verification of a version against its tool's published release: the archive the publisher lists is
 * downloaded, its SHA-256 compared with the published checksum, extracted the way @actions/setup-* does
 * (leading folder stripped), and the version's folder must hold exactly what the archive holds.
 *
 * It runs on the copy in push's private staging folder, the very bytes that are renamed into place, so a
 * change to the local tool cache after the check cannot slip in.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Budget } from '../budget';
import { errorMessage } from '../errors';
import { VersionId, versionKey } from '../layout/names';
import { runBounded } from '../process/run';
import { FetchText, Publisher } from './publishers';
import { describeTree, treeDifferences } from './tree';

/** Longest one checksum list or archive download may take (ms); the run's budget bounds it too. */
const FETCH_TIMEOUT_MS = 60_000;
/** Largest checksum list read (bytes): Go's full release list is ~2 MB. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;
/** Largest archive downloaded (bytes): a Go or Node linux archive is under 100 MB. */
const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;

export type Verdict = { ok: true; detail: string } | { ok: false; reason: string };

function boundedSignal(budget: Budget): AbortSignal {
  return AbortSignal.any([
    budget.signal,
    AbortSignal.timeout(Math.max(1, Math.min(FETCH_TIMEOUT_MS, budget.remainingMs()))),
  ]);
}

/** GET with a time limit and a size limit; the body as text. */
export function fetchTextWithin(budget: Budget): FetchText {
  return async (url) => {
    const response = await fetch(url, { signal: boundedSignal(budget), redirect: 'follow' });
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > MAX_TEXT_BYTES) throw new Error(`${url} answered more than ${MAX_TEXT_BYTES} bytes`);
    return { status: response.status, body: body.toString('utf8') };
  };
}

/** Streams url into file; returns its SHA-256. */
async function download(url: string, file: string, budget: Budget): Promise<string> {
  const response = await fetch(url, { signal: boundedSignal(budget), redirect: 'follow' });
  if (response.status !== 200 || !response.body) throw new Error(`${url} answered HTTP ${response.status}`);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  let bytes = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (bytes > MAX_ARCHIVE_BYTES) throw new Error(`${url} is larger than ${MAX_ARCHIVE_BYTES} bytes`);
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  } finally {
    await new Promise<void>((resolve) => out.end(() => resolve()));
  }
  return hash.digest('hex');
}

/** Checks the version folder `dir` against the publisher's archive. Failures to reach it refuse too. */
export async function verifyAgainstPublished(
  v: VersionId,
  dir: string,
  publisher: Publisher | undefined,
  budget: Budget,
): Promise<Verdict> {
  if (!publisher) {
    return {
      ok: false,
      reason: `${v.tool} publishes no checksums runtime-sync can check (verified tools: node, go)`,
    };
  }
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'runtime-sync-verify-'));
  try {
    const lookup = await publisher.locate(v, fetchTextWithin(budget));
    if (lookup.kind === 'unpublished') return { ok: false, reason: lookup.reason };
    const { archive } = lookup;
    const file = path.join(work, 'archive.tar.gz');
    const sha256 = await download(archive.url, file, budget);
    if (sha256 !== archive.sha256) {
      return {
        ok: false,
        reason: `${archive.url} has sha256 ${sha256}, but ${archive.checksumSource} publishes ${archive.sha256}`,
      };
    }
    const extracted = path.join(work, 'tree');
    await fsp.mkdir(extracted);
    const tar = await runBounded(
      'tar',
      ['-xzf', file, '-C', extracted, `--strip-components=${archive.stripComponents}`, '--no-same-owner'],
      { timeoutMs: budget.remainingMs(), signal: budget.signal },
    );
    if (tar.code !== 0) {
      return {
        ok: false,
        reason: `extracting ${archive.url} failed: ${tar.stopped ? 'out of time' : tar.stderr.trim()}`,
      };
    }
    const diff = treeDifferences(describeTree(extracted), describeTree(dir));
    if (diff.count > 0) {
      return {
        ok: false,
        reason: `${versionKey(v)} differs from ${archive.url} in ${diff.count} entries: ${diff.first.join(', ')}`,
      };
    }
    return { ok: true, detail: `matches ${archive.url} (sha256 from ${archive.checksumSource})` };
  } catch (error) {
    return { ok: false, reason: `could not verify ${versionKey(v)}: ${errorMessage(error)}` };
  } finally {
    await fsp.rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}
