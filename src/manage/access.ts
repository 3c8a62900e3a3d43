/**
 * Last access: a restore records the day it used an entry as an object tag, so prune can evict the
 * least recently used. At most once a day per entry: it reads the tags first (one small GET) and
 * writes only when the day changed. Off the critical path: called after the extraction finished,
 * bounded, and its failure only logged (a job without s3:PutObjectTagging still restores).
 */
import { GetObjectTaggingCommand, PutObjectTaggingCommand, S3Client, Tag } from '@aws-sdk/client-s3';

/** The tag that holds the day (YYYY-MM-DD, UTC) a restore last used the entry. */
export const LAST_ACCESS_TAG = 'dazn-cache-last-access';

export function accessDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function parseAccessTag(tags: readonly Tag[] | undefined): Date | undefined {
  const value = tags?.find((tag) => tag.Key === LAST_ACCESS_TAG)?.Value;
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const day = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(day.getTime()) ? undefined : day;
}

export type AccessRecord = 'written' | 'already-today';

/** Tags the entry with today's day unless it already has it; other tags are kept. */
export async function recordAccess(
  client: S3Client,
  bucket: string,
  key: string,
  now: Date,
  signal: AbortSignal,
): Promise<AccessRecord> {
  const today = accessDay(now);
  const current = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), {
    abortSignal: signal,
  });
  const tags = current.TagSet ?? [];
  if (tags.some((tag) => tag.Key === LAST_ACCESS_TAG && tag.Value === today)) return 'already-today';
  const next = [...tags.filter((tag) => tag.Key !== LAST_ACCESS_TAG), { Key: LAST_ACCESS_TAG, Value: today }];
  await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: next } }), {
    abortSignal: signal,
  });
  return 'written';
}
