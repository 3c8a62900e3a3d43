/**
 * StatePort over one DynamoDB table (hash key `pk`, string). Items:
 *   delivery#<X-GitHub-Delivery>  a delivery already processed (conditional put: first one wins)
 *   job#<id>                      a queued job the scaler owes a runner: starting | pending | served
 *   runner#<name>                 a runner counted against its pool's and the global maximum
 *   count#pool#<name>, count#global   the counts (attribute n)
 *   cursor#<name>                 the reconciler's progress through the delivery log
 * Reserving and releasing a runner are single transactions (record + both counts), so max_runners
 * holds under concurrent invocations and a count is released exactly once. Items that only matter for
 * a while carry `expiresAt` (epoch seconds) for the table's TTL.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type TransactWriteItem,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type ClientBounds, clientConfig, errorName } from './aws';
import type { Clock, JobRecord, Reservation, RunnerRecord, StatePort } from './ports';

/** GitHub keeps deliveries 3 days; a delivery id is remembered a little longer, s. */
const DELIVERY_TTL_S = 4 * 24 * 3600;
/** A job record outlives GitHub's 24 h queue limit, s. */
const JOB_TTL_S = 2 * 24 * 3600;

type Item = Record<string, AttributeValue>;
const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const str = (item: Item, key: string): string => item[key]?.S ?? '';
const num = (item: Item, key: string): number | null =>
  item[key]?.N !== undefined ? Number(item[key].N) : null;

function toRunner(item: Item): RunnerRecord {
  return {
    name: str(item, 'pk').slice('runner#'.length),
    pool: str(item, 'pool'),
    createdAt: num(item, 'createdAt') ?? 0,
    jobId: num(item, 'jobId'),
    runnerId: num(item, 'runnerId'),
    taskArn: item.taskArn?.S ?? null,
    cluster: item.cluster?.S ?? null,
    idleSince: num(item, 'idleSince'),
    busy: item.busy?.BOOL === true,
  };
}

function toJob(item: Item): JobRecord {
  return {
    jobId: Number(str(item, 'pk').slice('job#'.length)),
    owner: str(item, 'owner'),
    repo: str(item, 'repo'),
    pool: str(item, 'pool'),
    labels: item.labels?.L?.map((l) => l.S ?? '') ?? [],
    status: str(item, 'jobStatus') as JobRecord['status'],
    leaseUntil: num(item, 'leaseUntil') ?? 0,
    createdAt: num(item, 'createdAt') ?? 0,
    attempts: num(item, 'attempts') ?? 0,
  };
}

function conditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

export function createState(table: string, bounds: ClientBounds, clock: Clock): StatePort {
  const client = new DynamoDBClient(clientConfig(bounds));
  const ttl = (seconds: number): AttributeValue => N(Math.floor(clock.now() / 1000) + seconds);

  const putIfAbsent = async (item: Item): Promise<boolean> => {
    try {
      await client.send(
        new PutItemCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  };

  const scan = async (prefix: string): Promise<Item[]> => {
    const out: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': S(prefix) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  };

  const countUpdate = (pk: string, delta: number, max: number | null): TransactWriteItem => ({
    Update: {
      TableName: table,
      Key: { pk: S(pk) },
      UpdateExpression: 'ADD n :d',
      ...(max === null
        ? { ExpressionAttributeValues: { ':d': N(delta) } }
        : {
            ConditionExpression: 'attribute_not_exists(n) OR n < :max',
            ExpressionAttributeValues: { ':d': N(delta), ':max': N(max) },
          }),
    },
  });

  return {
    claimDelivery: (guid) =>
      putIfAbsent({ pk: S(`delivery#${guid}`), at: N(clock.now()), expiresAt: ttl(DELIVERY_TTL_S) }),

    async forgetDelivery(guid) {
      await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: S(`delivery#${guid}`) } }));
    },

    async knownDeliveries(guids) {
      const known = new Set<string>();
      const unique = [...new Set(guids)];
      // BatchGetItem: at most 100 keys per request; unprocessed keys are asked again (bounded).
      for (let i = 0; i < unique.length; i += 100) {
        let keys: Item[] = unique.slice(i, i + 100).map((g) => ({ pk: S(`delivery#${g}`) }));
        for (let round = 0; keys.length > 0 && round < 5; round++) {
          const got = await client.send(
            new BatchGetItemCommand({
              RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'pk' } },
            }),
          );
          for (const item of got.Responses?.[table] ?? [])
            known.add(str(item, 'pk').slice('delivery#'.length));
          keys = (got.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
        }
      }
      return known;
    },

    createJob: (job, leaseMs) =>
      putIfAbsent({
        pk: S(`job#${job.jobId}`),
        owner: S(job.owner),
        repo: S(job.repo),
        pool: S(job.pool),
        labels: { L: job.labels.map(S) },
        jobStatus: S('starting'),
        leaseUntil: N(clock.now() + leaseMs),
        createdAt: N(clock.now()),
        attempts: N(1),
        expiresAt: ttl(JOB_TTL_S),
      }),

    async leaseJob(jobId, leaseMs) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: S(`job#${jobId}`) },
            UpdateExpression: 'SET jobStatus = :starting, leaseUntil = :until ADD attempts :one',
            ConditionExpression:
              'attribute_exists(pk) AND (jobStatus = :pending OR (jobStatus = :starting AND leaseUntil < :now))',
            ExpressionAttributeValues: {
              ':starting': S('starting'),
              ':pending': S('pending'),
              ':until': N(clock.now() + leaseMs),
              ':now': N(clock.now()),
              ':one': N(1),
            },
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },

    async setJobStatus(jobId, status) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: S(`job#${jobId}`) },
            UpdateExpression: 'SET jobStatus = :s',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':s': S(status) },
          }),
        );
      } catch (error) {
        if (!conditionFailed(error)) throw error; // completed meanwhile: the record is gone
      }
    },

    async deleteJob(jobId) {
      await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: S(`job#${jobId}`) } }));
    },

    async getJob(jobId) {
      const got = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: S(`job#${jobId}`) }, ConsistentRead: true }),
      );
      return got.Item ? toJob(got.Item) : null;
    },

    listJobs: async () => (await scan('job#')).map(toJob),

    async reserveRunner(record, poolMax, globalMax): Promise<Reservation> {
      if (poolMax <= 0) return { ok: false, full: 'pool' };
      if (globalMax <= 0) return { ok: false, full: 'global' };
      const item: Item = {
        pk: S(`runner#${record.name}`),
        pool: S(record.pool),
        createdAt: N(record.createdAt),
        busy: { BOOL: false },
      };
      if (record.jobId !== null) item.jobId = N(record.jobId);
      if (record.cluster !== null) item.cluster = S(record.cluster);
      try {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
              countUpdate(`count#pool#${record.pool}`, 1, poolMax),
              countUpdate('count#global', 1, globalMax),
            ],
          }),
        );
        return { ok: true };
      } catch (error) {
        if (errorName(error) !== 'TransactionCanceledException') throw error;
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons[2]?.Code === 'ConditionalCheckFailed') return { ok: false, full: 'global' };
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return { ok: false, full: 'pool' };
        // Without reasons (a conflicting concurrent transaction) the caller tries again later.
        if (reasons.some((r) => r.Code === 'TransactionConflict')) return { ok: false, full: 'pool' };
        throw error;
      }
    },

    async updateRunner(name, fields) {
      const names: Record<string, string> = {};
      const values: Item = {};
      const sets: string[] = [];
      for (const [key, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        names[`#${key}`] = key;
        if (value === null) continue;
        values[`:${key}`] =
          typeof value === 'boolean'
            ? { BOOL: value }
            : typeof value === 'number'
              ? N(value)
              : S(String(value));
        sets.push(`#${key} = :${key}`);
      }
      const removes = Object.entries(fields)
        .filter(([, v]) => v === null)
        .map(([k]) => `#${k}`);
      if (sets.length === 0 && removes.length === 0) return;
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: S(`runner#${name}`) },
            UpdateExpression: [
              sets.length ? `SET ${sets.join(', ')}` : '',
              removes.length ? `REMOVE ${removes.join(', ')}` : '',
            ]
              .join(' ')
              .trim(),
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ...(sets.length ? { ExpressionAttributeValues: values } : {}),
          }),
        );
      } catch (error) {
        if (!conditionFailed(error)) throw error; // released meanwhile
      }
    },

    async releaseRunner(name) {
      const got = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: S(`runner#${name}`) }, ConsistentRead: true }),
      );
      if (!got.Item) return false;
      const pool = str(got.Item, 'pool');
      try {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: table,
                  Key: { pk: S(`runner#${name}`) },
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
              countUpdate(`count#pool#${pool}`, -1, null),
              countUpdate('count#global', -1, null),
            ],
          }),
        );
        return true;
      } catch (error) {
        if (errorName(error) === 'TransactionCanceledException') return false; // released by someone else
        throw error;
      }
    },

    listRunners: async () => (await scan('runner#')).map(toRunner),

    async getRunner(name) {
      const got = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: S(`runner#${name}`) }, ConsistentRead: true }),
      );
      return got.Item ? toRunner(got.Item) : null;
    },

    async counts() {
      const items = await scan('count#');
      const pools: Record<string, number> = {};
      let global = 0;
      for (const item of items) {
        const pk = str(item, 'pk');
        const n = num(item, 'n') ?? 0;
        if (pk === 'count#global') global = n;
        else pools[pk.slice('count#pool#'.length)] = n;
      }
      return { global, pools };
    },

    async getCursor(name) {
      const got = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: S(`cursor#${name}`) }, ConsistentRead: true }),
      );
      return got.Item ? num(got.Item, 'value') : null;
    },

    async setCursor(name, value) {
      await client.send(
        new PutItemCommand({ TableName: table, Item: { pk: S(`cursor#${name}`), value: N(value) } }),
      );
    },
  };
}
