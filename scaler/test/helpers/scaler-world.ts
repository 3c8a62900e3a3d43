/**
 * Everything an integration test or the simulated day needs around the scaler's bundles: one process
 * clock, moto (ECS behind the capacity proxy, SSM, DynamoDB, Secrets Manager), the fake GitHub whose
 * deliveries go to the webhook bundle as function-URL events, and the runner image's part (read the
 * JIT configuration from SSM, delete it, connect to the fake GitHub), the task exiting after its job.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../../../test/support/moto';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../support/fake-github';
import { generateAppKeyPair } from '../support/jwt';
import { startCapacityProxy, type CapacityProxy } from './ecs-capacity-proxy';
import { installSimClock, type SimClock } from './sim-clock';

export const ORG = 'dazn-test';
export const APP_ID = 424242;
export const INSTALLATION_ID = 5_550_001;
export const WEBHOOK_SECRET = 'whsec-test-not-real-0123456789';
export const RUNNER_VERSION = '2.330.0';
const BUNDLES = join(__dirname, '..', '..', 'dist');

export interface FunctionUrlEvent {
  version: '2.0';
  rawPath: string;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: { http: { method: string; path: string } };
}
export interface FunctionUrlResult {
  statusCode: number;
  body: string;
}
export interface ReconcileReport {
  [key: string]: number | string[];
  errors: string[];
}
interface WebhookModule {
  handler(event: FunctionUrlEvent): Promise<FunctionUrlResult>;
}
interface ReconcilerModule {
  handler(event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<ReconcileReport>;
}

export interface PoolSpec {
  name: string;
  labels: string[];
  group: 'ecs' | 'fargate';
  maxRunners: number;
  warm?: { officeHours: number; otherHours: number };
  fallbackPool?: string | null;
}

/** Loads a fresh copy of a bundle (a new Lambda instance); jest and plain Node load differently. */
export type BundleLoader = (path: string) => unknown;

export interface WorldOptions {
  pools: PoolSpec[];
  load: BundleLoader;
  env?: Record<string, string>;
  startMs?: number;
  speed?: number;
  fake?: Partial<FakeGitHubOptions>;
  /** Every n-th delivery body is sent base64-encoded (function URLs do that for some content types). */
  base64Every?: number;
}

export interface ScalerWorld {
  clock: SimClock;
  gh: FakeGitHub;
  moto: MotoServer;
  proxy: CapacityProxy;
  ecs: ECSClient;
  ssm: SSMClient;
  ddb: DynamoDBClient;
  env: Record<string, string>;
  clusters: Record<string, string>;
  /** Webhook answers, in delivery order. */
  answers: { guid: string; status: number; body: string }[];
  /** Replaces the webhook's Lambda instance with a fresh one (cold start). */
  freshWebhook(): void;
  webhook(event: FunctionUrlEvent): Promise<FunctionUrlResult>;
  eventFor(d: { headers: Record<string, string>; body: string }, base64?: boolean): FunctionUrlEvent;
  reconcile(): Promise<ReconcileReport>;
  /** The runner image: each new scaler task reads and deletes its parameter and connects. */
  runTasks(ready?: (task: Task) => boolean): Promise<{ connected: string[]; failed: string[] }>;
  /** Tasks whose runner's job is done exit; tasks the scaler stopped take their runner offline. */
  exitTasks(): Promise<void>;
  /** Runners whose task was stopped while they ran a job. */
  busyStopped: string[];
  /** RUNNER_NAME of every task the scaler started. */
  taskNames: Set<string>;
  scalerTasks(desired?: 'RUNNING' | 'STOPPED'): Promise<Task[]>;
  tableItems(prefix: string): Promise<number>;
  close(): Promise<void>;
}

export function poolsJson(
  specs: PoolSpec[],
  clusters: Record<string, string>,
  taskDefs: Record<string, string>,
): string {
  return JSON.stringify(
    specs.map((p) => ({
      name: p.name,
      labels: p.labels,
      runnerGroup: p.group,
      cluster: clusters[p.group],
      taskDefinition: taskDefs[p.name],
      containerName: 'runner',
      capacityProviderStrategy: null,
      // moto places Fargate tasks without container instances; the capacity provider strategy
      // itself is checked in the unit test of runTaskInput.
      launchType: 'FARGATE',
      network: null,
      maxRunners: p.maxRunners,
      warm: p.warm ?? { officeHours: 0, otherHours: 0 },
      fallbackPool: p.fallbackPool ?? null,
    })),
  );
}

export async function startWorld(options: WorldOptions): Promise<ScalerWorld> {
  // moto first: its start-up wait reads Date, which must still be the real one.
  const moto = await startMoto(90_000); // the shared 2-core machine can be slow to start it
  const proxy = await startCapacityProxy(moto.endpoint);
  const clock = installSimClock(options.startMs ?? Date.UTC(2026, 11, 1, 9, 0, 0), options.speed ?? 1);
  const keys = generateAppKeyPair();
  Object.assign(process.env, TEST_AWS_ENV, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_ECS: proxy.url,
    AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
  });
  const aws = { region: TEST_AWS_ENV.AWS_REGION, endpoint: moto.endpoint, maxAttempts: 2 };
  const ecs = new ECSClient(aws);
  const ssm = new SSMClient(aws);
  const ddb = new DynamoDBClient(aws);
  const sm = new SecretsManagerClient(aws);

  const table = 'dazn-scaler-state';
  await ddb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const keySecret = await sm.send(
    new CreateSecretCommand({ Name: 'dazn-scaler/app-key', SecretString: keys.privateKeyPem }),
  );
  const hookSecret = await sm.send(
    new CreateSecretCommand({ Name: 'dazn-scaler/webhook', SecretString: WEBHOOK_SECRET }),
  );
  const clusters: Record<string, string> = {};
  for (const group of ['ecs', 'fargate']) {
    const made = await ecs.send(new CreateClusterCommand({ clusterName: `dazn-runners-${group}` }));
    clusters[group] = made.cluster?.clusterArn ?? '';
  }
  const taskDefs: Record<string, string> = {};
  for (const pool of options.pools) {
    const def = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `dazn-${pool.name}`,
        networkMode: 'bridge',
        containerDefinitions: [
          { name: 'runner', image: 'runner:test', cpu: 256, memory: 512, essential: true },
        ],
      }),
    );
    taskDefs[pool.name] = def.taskDefinition?.taskDefinitionArn ?? '';
  }

  let deliveryCount = 0;
  const answers: ScalerWorld['answers'] = [];
  let webhookModule: WebhookModule | undefined;
  const eventFor = (
    d: { headers: Record<string, string>; body: string },
    base64 = false,
  ): FunctionUrlEvent => ({
    version: '2.0',
    rawPath: '/',
    headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: base64 ? Buffer.from(d.body, 'utf8').toString('base64') : d.body,
    isBase64Encoded: base64,
    requestContext: { http: { method: 'POST', path: '/' } },
  });
  const world: ScalerWorld = {
    clock,
    gh: undefined as unknown as FakeGitHub,
    moto,
    proxy,
    ecs,
    ssm,
    ddb,
    env: {},
    clusters,
    answers,
    freshWebhook() {
      webhookModule = options.load(join(BUNDLES, 'webhook', 'index.js')) as WebhookModule;
    },
    async webhook(event) {
      if (!webhookModule) world.freshWebhook();
      return (webhookModule as WebhookModule).handler(event);
    },
    eventFor,
    async reconcile() {
      const mod = (reconcilerModule ??= options.load(
        join(BUNDLES, 'reconciler', 'index.js'),
      ) as ReconcilerModule);
      return mod.handler(
        { source: 'aws.events', 'detail-type': 'Scheduled Event' },
        { getRemainingTimeInMillis: () => 60_000 },
      );
    },
    async scalerTasks(desired = 'RUNNING') {
      const out: Task[] = [];
      for (const cluster of Object.values(clusters)) {
        const list = await ecs.send(
          new ListTasksCommand({ cluster, startedBy: 'dazn-scaler', desiredStatus: desired }),
        );
        const arns = list.taskArns ?? [];
        for (let i = 0; i < arns.length; i += 100) {
          const d = await ecs.send(
            new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100), include: ['TAGS'] }),
          );
          out.push(...(d.tasks ?? []));
        }
      }
      return out;
    },
    busyStopped: [],
    taskNames: new Set<string>(),
    async runTasks(ready = () => true) {
      const connected: string[] = [];
      const failed: string[] = [];
      for (const task of await world.scalerTasks()) {
        if (!task.taskArn || handled.has(task.taskArn)) continue;
        const env = task.overrides?.containerOverrides?.find((c) => c.name === 'runner')?.environment ?? [];
        const parameter = env.find((e) => e.name === 'RUNNER_JIT_PARAMETER')?.value;
        const name = env.find((e) => e.name === 'RUNNER_NAME')?.value ?? '?';
        world.taskNames.add(name);
        if (!ready(task)) continue;
        handled.add(task.taskArn);
        try {
          if (!parameter) throw new Error('RUNNER_JIT_PARAMETER not set');
          const got = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
          await ssm.send(new DeleteParameterCommand({ Name: parameter }));
          world.gh.connectRunner(got.Parameter?.Value ?? '', RUNNER_VERSION);
          taskRunner.set(task.taskArn, name);
          connected.push(name);
        } catch {
          failed.push(name);
          await ecs.send(
            new StopTaskCommand({
              cluster: task.clusterArn,
              task: task.taskArn,
              reason: 'Essential container in task exited',
            }),
          );
        }
      }
      return { connected, failed };
    },
    async exitTasks() {
      const tasks = await world.scalerTasks();
      const running = new Set(tasks.map((t) => t.taskArn));
      for (const [arn, name] of taskRunner) {
        const runner = world.gh.allRunners().find((r) => r.name === name);
        if (!running.has(arn)) {
          // stopped by the scaler: the runner process dies with its container
          if (runner && !runner.deleted && runner.status === 'online') {
            if (runner.busy) world.busyStopped.push(name);
            world.gh.disconnectRunner(name);
          }
          taskRunner.delete(arn);
        } else if (runner?.deleted) {
          const task = tasks.find((t) => t.taskArn === arn);
          await ecs.send(
            new StopTaskCommand({
              cluster: task?.clusterArn,
              task: arn,
              reason: 'Essential container in task exited',
            }),
          );
          taskRunner.delete(arn);
        }
      }
    },
    async tableItems(prefix) {
      const got = await ddb.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': { S: prefix } },
        }),
      );
      return got.Count ?? 0;
    },
    async close() {
      await world.gh?.close();
      await proxy.close();
      await moto.stop();
      clock.restore();
    },
  };
  let reconcilerModule: ReconcilerModule | undefined;
  const handled = new Set<string>();
  const taskRunner = new Map<string, string>();

  world.gh = await startFakeGitHub({
    org: ORG,
    appId: APP_ID,
    installationId: INSTALLATION_ID,
    appPublicKeyPem: keys.publicKeyPem,
    webhookSecret: WEBHOOK_SECRET,
    clock,
    deliver: async (d) => {
      const every = options.base64Every ?? 0;
      const base64 = every > 0 && ++deliveryCount % every === 0;
      const result = await world.webhook(eventFor(d, base64));
      answers.push({ guid: d.id, status: result.statusCode, body: result.body });
      return result.statusCode;
    },
    ...options.fake,
  });
  world.env = {
    GITHUB_API_URL: world.gh.url,
    GITHUB_ORG: ORG,
    GITHUB_APP_ID: String(APP_ID),
    GITHUB_INSTALLATION_ID: String(INSTALLATION_ID),
    GITHUB_APP_KEY_SECRET_ARN: keySecret.ARN ?? '',
    WEBHOOK_SECRET_ARN: hookSecret.ARN ?? '',
    STATE_TABLE: table,
    POOLS: poolsJson(options.pools, clusters, taskDefs),
    OFFICE_HOURS: 'Mon-Fri 07:00-19:00',
    TIME_ZONE: 'Europe/Berlin',
    RUNNER_START_TIMEOUT_SECONDS: '600',
    RUNNER_IDLE_TIMEOUT_SECONDS: '300',
    ...options.env,
  };
  Object.assign(process.env, world.env);
  return world;
}
