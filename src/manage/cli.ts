/**
 * dazn-cache: list, delete, usage and prune of the S3 cache, with gh cache's names.
 *
 *   dazn-cache list   [--repo o/r] [--ref R] [--key PREFIX] [--sort created|last-accessed|size]
 *                     [--order asc|desc] [--limit N] [--json FIELDS]
 *   dazn-cache delete KEY|ID [--repo o/r] [--ref R] | --all [--ref R]  [--succeed-on-no-caches]
 *   dazn-cache usage  [--repo o/r | --org] [--json]
 *   dazn-cache prune  [--repo o/r | --org] [--max-size 10GB] [--unused-for 7d] [--dry-run] [--json]
 *
 * Where: --bucket/--prefix/--endpoint/--region or the action's DAZN_CACHE_BUCKET, DAZN_CACHE_PREFIX,
 * DAZN_CACHE_ENDPOINT, DAZN_CACHE_REGION (AWS_REGION). Credentials: the AWS SDK's default chain
 * (AWS_PROFILE, environment, role). Without --repo or --org: GITHUB_REPOSITORY (and
 * GITHUB_REPOSITORY_ID) when set, as gh cache does in a checkout; else every repository.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { createS3Client } from '../storage/client';
import { Budget } from '../storage/retry';
import { errorFacts } from '../errors/facts';
import { ServiceError } from '../errors/errors';
import type { CatalogEntry } from './catalog';
import {
  EntryFilter,
  EntryStore,
  listEntries,
  parseDuration,
  parseOrder,
  parseSize,
  parseSort,
  planPrune,
  selectForDelete,
  sortEntries,
  usageByRepository,
} from './commands';
import { s3EntryStore } from './store';

/** gh cache list --json's fields, by the same names. */
export const JSON_FIELDS = [
  'id',
  'key',
  'ref',
  'sizeInBytes',
  'createdAt',
  'lastAccessedAt',
  'version',
] as const;
type JsonField = (typeof JSON_FIELDS)[number];

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** For tests: a store instead of S3. */
  store?: EntryStore;
  now?: Date;
  /** Each entry prune deletes (or, in a dry run, would delete). */
  onEvicted?: (entry: CatalogEntry) => void;
}

class UsageError extends Error {}

const OPTIONS = {
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  repo: { type: 'string', short: 'R' },
  org: { type: 'boolean' },
  ref: { type: 'string', short: 'r' },
  key: { type: 'string', short: 'k' },
  sort: { type: 'string', short: 'S' },
  order: { type: 'string', short: 'O' },
  limit: { type: 'string', short: 'L' },
  json: { type: 'string' },
  all: { type: 'boolean', short: 'a' },
  'succeed-on-no-caches': { type: 'boolean' },
  'max-size': { type: 'string' },
  'unused-for': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'timeout-mins': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `usage: dazn-cache <list|delete|usage|prune> [options]  (see README: "Managing the cache")`;

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(2)} ${units[unit]}`;
}

function toJson(entry: CatalogEntry, fields: readonly JsonField[]): Record<string, unknown> {
  const all: Record<JsonField, unknown> = {
    id: entry.id,
    key: entry.key,
    ref: entry.ref,
    sizeInBytes: entry.sizeInBytes,
    createdAt: entry.createdAt.toISOString(),
    lastAccessedAt: entry.lastAccessedAt.toISOString(),
    version: entry.version,
  };
  return Object.fromEntries(fields.map((field) => [field, all[field]]));
}

function parseJsonFields(value: string | undefined): JsonField[] | undefined {
  if (value === undefined) return undefined;
  if (value === '')
    throw new UsageError(
      `Specify one or more comma-separated fields for --json:\n  ${JSON_FIELDS.join('\n  ')}`,
    );
  const fields = value.split(',').map((field) => field.trim());
  const unknown = fields.filter((field) => !(JSON_FIELDS as readonly string[]).includes(field));
  if (unknown.length > 0 || fields.length === 0) {
    throw new UsageError(
      `Unknown JSON field: ${unknown.join(', ')}\nAvailable fields:\n  ${JSON_FIELDS.join('\n  ')}`,
    );
  }
  return fields as JsonField[];
}

function describeS3Failure(error: unknown, bucket: string, prefix: string): string {
  const facts = error instanceof ServiceError ? error.failure : errorFacts(error);
  const name = (error as { name?: unknown } | null)?.name;
  const code = facts.code ?? (typeof name === 'string' ? name : undefined);
  if (code === 'NoSuchBucket' || facts.status === 404) {
    return `The bucket ${bucket} does not exist (or is in another region): check --bucket / DAZN_CACHE_BUCKET and --region / DAZN_CACHE_REGION.`;
  }
  if (code === 'AccessDenied' || facts.status === 403) {
    return `S3 refused access to s3://${bucket}/${prefix} (AccessDenied): the credentials (AWS_PROFILE, the environment or the role) need s3:ListBucket on the bucket, s3:GetObjectTagging on the entries and, for delete and prune, s3:DeleteObject (Terraform: the cache-management roles of stack 02).`;
  }
  if (code === 'CredentialsProviderError' || /credential/i.test(String((error as Error | null)?.message))) {
    return `No AWS credentials: set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run where a role is available (${String((error as Error).message)}).`;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // --json without fields (usage, prune): JSON output; list then asks for the fields.
  const args = argv.map((arg, i) =>
    arg === '--json' && (argv[i + 1] === undefined || argv[i + 1].startsWith('-')) ? '--json=' : arg,
  );
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${HELP}`);
    return 2;
  }
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  const env = io.env;
  const bucket = values.bucket ?? env.DAZN_CACHE_BUCKET;
  const prefix = (values.prefix ?? env.DAZN_CACHE_PREFIX ?? 'cache').replace(/^\/+|\/+$/g, '');
  let client: S3Client | undefined;
  const timeoutMins = Number(values['timeout-mins'] ?? env.DAZN_CACHE_STEP_TIMEOUT_MINS ?? 30);
  const budget = new Budget(timeoutMins * 60_000, '--timeout-mins');
  // every request of the command listens to the budget's signal: up to 16 at once, plus retries
  setMaxListeners(64, budget.signal);
  try {
    if (!['list', 'delete', 'usage', 'prune'].includes(command)) {
      throw new UsageError(`Unknown command ${JSON.stringify(command)}.\n${HELP}`);
    }
    if (!io.store && !bucket) {
      throw new UsageError(
        'Which bucket? Give --bucket or set DAZN_CACHE_BUCKET (the bucket the action uses).',
      );
    }
    if (values.repo && values.org) throw new UsageError('Give --repo or --org, not both.');
    const store =
      io.store ??
      s3EntryStore(
        (client = createS3Client({
          bucket: bucket ?? '',
          prefix,
          region: values.region ?? env.DAZN_CACHE_REGION ?? env.AWS_REGION ?? 'eu-central-1',
          endpoint: values.endpoint ?? env.DAZN_CACHE_ENDPOINT,
        })),
        bucket ?? '',
        { budget, onRetry: (line) => io.err(line) },
      );
    const repositories = values.repo
      ? [values.repo]
      : values.org
        ? []
        : [
            env.GITHUB_REPOSITORY,
            env.GITHUB_REPOSITORY_ID ? `repo-${env.GITHUB_REPOSITORY_ID}` : undefined,
          ].filter((value): value is string => !!value);
    const filter: EntryFilter = {
      repositories,
      ref: values.ref,
      keyPrefix: command === 'list' ? values.key : undefined,
    };
    let lastReported = 0;
    const onProgress = (count: number): void => {
      if (count - lastReported >= 10_000) {
        io.err(`listed ${count} objects…`);
        lastReported = count;
      }
    };
    const now = io.now ?? new Date();

    if (command === 'list') {
      const fields = parseJsonFields(values.json);
      const sort = parseSort(values.sort ?? 'last-accessed');
      const order = parseOrder(values.order ?? 'desc');
      const limit = Number(values.limit ?? 30);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit ${values.limit}: give a whole number of 1 or more.`);
      const withAccess = sort === 'last-accessed' || !fields || fields.includes('lastAccessedAt');
      const entries = sortEntries(
        await listEntries(store, prefix, filter, { withAccess, onProgress }),
        sort,
        order,
      ).slice(0, limit);
      if (fields) {
        io.out(
          JSON.stringify(
            entries.map((entry) => toJson(entry, fields)),
            null,
            2,
          ),
        );
      } else {
        for (const entry of entries) {
          io.out(
            [
              entry.id,
              entry.key,
              formatBytes(entry.sizeInBytes),
              entry.createdAt.toISOString(),
              entry.lastAccessedAt.toISOString(),
              entry.repository,
              entry.ref,
            ].join('\t'),
          );
        }
        if (entries.length === 0) io.err('No caches found');
      }
      return 0;
    }

    if (command === 'delete') {
      if (repositories.length === 0 && !values.org) {
        throw new UsageError(
          'delete needs the repository: --repo owner/repo (or GITHUB_REPOSITORY), or --org to mean every repository.',
        );
      }
      const target = rest[0];
      if (values.all && target !== undefined)
        throw new UsageError('Give a cache key or id, or --all, not both.');
      const entries = await listEntries(store, prefix, filter, { withAccess: false, onProgress });
      const chosen = selectForDelete(entries, target, values.all ?? false);
      if (chosen.length === 0) {
        const what = values.all ? 'No caches to delete' : `Could not find a cache matching ${target}`;
        io.err(`${what}${repositories.length ? ` in ${repositories.join(', ')}` : ''}`);
        return values['succeed-on-no-caches'] ? 0 : 1;
      }
      for (const entry of chosen) {
        await store.remove(entry.objectKey);
        io.out(`Deleted cache entry ${entry.id} (${entry.key}, ${entry.repository}, ${entry.ref})`);
      }
      io.err(`Deleted ${chosen.length} cache entr${chosen.length === 1 ? 'y' : 'ies'}`);
      return 0;
    }

    if (command === 'usage') {
      const usage = usageByRepository(
        await listEntries(store, prefix, filter, { withAccess: false, onProgress }),
      );
      if (values.json !== undefined) {
        io.out(
          JSON.stringify(
            {
              total_count: usage.length,
              total_active_caches_size_in_bytes: usage.reduce(
                (sum, u) => sum + u.active_caches_size_in_bytes,
                0,
              ),
              total_active_caches_count: usage.reduce((sum, u) => sum + u.active_caches_count, 0),
              repository_cache_usages: usage,
            },
            null,
            2,
          ),
        );
      } else {
        for (const u of usage)
          io.out(
            `${u.full_name}\t${u.active_caches_count}\t${u.active_caches_size_in_bytes}\t${formatBytes(u.active_caches_size_in_bytes)}`,
          );
        io.err(
          `${usage.length} repositories, ${usage.reduce((s, u) => s + u.active_caches_count, 0)} entries, ${formatBytes(usage.reduce((s, u) => s + u.active_caches_size_in_bytes, 0))}`,
        );
      }
      return 0;
    }

    // prune
    const entries = await listEntries(store, prefix, filter, { withAccess: true, onProgress });
    const evictions = planPrune(entries, {
      maxSizePerRepository: values['max-size'] !== undefined ? parseSize(values['max-size']) : undefined,
      unusedForMs: values['unused-for'] !== undefined ? parseDuration(values['unused-for']) : undefined,
      now,
    });
    const dryRun = values['dry-run'] ?? false;
    for (const { entry, reason } of evictions) {
      if (!dryRun) await store.remove(entry.objectKey);
      io.onEvicted?.(entry);
      io.out(
        `${dryRun ? 'would delete' : 'deleted'}\t${entry.repository}\t${entry.id}\t${entry.key}\t${entry.sizeInBytes}\t${reason}\tlast used ${entry.lastAccessedAt.toISOString().slice(0, 10)}`,
      );
    }
    const freed = evictions.reduce((sum, e) => sum + e.entry.sizeInBytes, 0);
    const kept = entries.length - evictions.length;
    io.err(
      `prune: ${dryRun ? 'would delete' : 'deleted'} ${evictions.length} entries (${formatBytes(freed)}); ${kept} entries (${formatBytes(
        entries.reduce((sum, e) => sum + e.sizeInBytes, 0) - freed,
      )}) kept in ${new Set(entries.map((e) => e.repository)).size} repositories${dryRun ? ' (dry run: nothing deleted)' : ''}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return 2;
    }
    io.err(`dazn-cache ${command}: ${describeS3Failure(error, bucket ?? '', prefix)}`);
    return 1;
  } finally {
    client?.destroy();
    budget.dispose();
  }
}
