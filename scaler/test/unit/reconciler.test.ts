/** The reconciler's rules with in-memory ports (the real ones run in test/integration). */
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import type {
  EcsPort,
  GitHubPort,
  GitHubRunner,
  JobRecord,
  RunnerRecord,
  ScalerTask,
  StatePort,
} from '../../src/ports';
import { reconcile } from '../../src/reconciler';
import { runTaskInput } from '../../src/ecs';

const pool = {
  name: 'p',
  labels: ['self-hosted', 'linux', 'X64'],
  runnerGroup: '2',
  cluster: 'c',
  taskDefinition: 't',
  containerName: 'runner',
  capacityProviderStrategy: [{ capacityProvider: 'x86_64-spot', weight: 1 }],
  launchType: null,
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
  maxRunners: 5,
  warm: { officeHours: 0, otherHours: 0 },
  fallbackPool: null,
};
const config = loadConfig({
  GITHUB_ORG: 'o',
  GITHUB_APP_ID: '1',
  GITHUB_INSTALLATION_ID: '2',
  GITHUB_APP_KEY_SECRET_ARN: 'k',
  WEBHOOK_SECRET_ARN: 'w',
  STATE_TABLE: 's',
  POOLS: JSON.stringify([pool]),
  RUNNER_IDLE_TIMEOUT_SECONDS: '60',
});

function memoryState(records: RunnerRecord[]): StatePort & { released: string[] } {
  const runners = new Map(records.map((r) => [r.name, { ...r }]));
  const released: string[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not used here');
  };
  return {
    released,
    claimDelivery: async () => true,
    forgetDelivery: async () => undefined,
    knownDeliveries: async (guids) => new Set(guids),
    createJob: unused,
    leaseJob: unused,
    setJobStatus: unused,
    deleteJob: unused,
    getJob: async () => null,
    listJobs: async (): Promise<JobRecord[]> => [],
    reserveRunner: unused,
    updateRunner: async (name, fields) => {
      const r = runners.get(name);
      if (r) Object.assign(r, fields);
    },
    releaseRunner: async (name) => {
      released.push(name);
      return runners.delete(name);
    },
    listRunners: async () => [...runners.values()].map((r) => ({ ...r })),
    getRunner: async (name) => runners.get(name) ?? null,
    counts: async () => ({ global: runners.size, pools: { p: runners.size } }),
    getCursor: async () => 0,
    setCursor: async () => undefined,
  };
}

describe('reconciler', () => {
  it('keeps a runner GitHub refuses to delete (422, it took a job meanwhile) and stops no task', async () => {
    const now = Date.UTC(2026, 11, 5, 12, 0); // Saturday: warm minimum 0
    const record: RunnerRecord = {
      name: 'dazn-p-0123456789ab',
      pool: 'p',
      createdAt: now - 3600_000,
      jobId: null,
      runnerId: 7,
      taskArn: 'arn:task/1',
      cluster: 'c',
      idleSince: now - 600_000,
      busy: false,
    };
    const idle: GitHubRunner = { id: 7, name: record.name, status: 'online', busy: false };
    const deletes: number[] = [];
    const stops: string[] = [];
    const github: GitHubPort = {
      runnerGroupId: async () => 2,
      generateJitConfig: async () => {
        throw new Error('no start expected');
      },
      deleteRunner: async (id) => {
        deletes.push(id);
        return 'busy';
      },
      listRunners: async () => [idle],
      getRunner: async () => idle,
      jobStatus: async () => 'queued',
      listDeliveries: async () => [],
      deliveryPayload: async () => ({}),
      requestCount: () => 0,
    };
    const task: ScalerTask = {
      taskArn: 'arn:task/1',
      cluster: 'c',
      runnerName: record.name,
      pool: 'p',
      lastStatus: 'RUNNING',
      createdAt: 0,
    };
    const ecs: EcsPort = {
      runTask: async () => ({ ok: false, kind: 'other', reason: 'no start expected' }),
      stopTask: async (_c, arn) => {
        stops.push(arn);
      },
      listTasks: async () => [task],
    };
    const state = memoryState([record]);
    const report = await reconcile(
      {
        config,
        github,
        ecs,
        ssm: { putJitConfig: async () => undefined, deleteParameter: async () => undefined },
        state,
        log: createLogger(() => undefined),
        clock: { now: () => now, elapsed: () => 0, sleep: async () => undefined },
      },
      50_000,
    );
    expect(deletes).toEqual([7]);
    expect(stops).toEqual([]);
    expect(state.released).toEqual([]);
    expect(report.busyKept).toBe(1);
    expect(report.idleRemoved).toBe(0);
    expect((await state.listRunners())[0].busy).toBe(true);
  });
});

describe('RunTask input', () => {
  it('carries the capacity provider strategy, awsvpc network, tags and only names in the override', () => {
    const input = runTaskInput(
      config.pools[0],
      'dazn-p-0123456789ab',
      '/dazn-runners/jit/dazn-p-0123456789ab',
    );
    expect(input).toMatchObject({
      cluster: 'c',
      taskDefinition: 't',
      startedBy: 'dazn-scaler',
      enableECSManagedTags: true,
      capacityProviderStrategy: [{ capacityProvider: 'x86_64-spot', weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
      },
      tags: [
        { key: 'dazn:pool', value: 'p' },
        { key: 'dazn:runner-name', value: 'dazn-p-0123456789ab' },
      ],
    });
    expect(input.launchType).toBeUndefined();
    expect(input.overrides?.containerOverrides).toEqual([
      {
        name: 'runner',
        environment: [
          { name: 'RUNNER_JIT_PARAMETER', value: '/dazn-runners/jit/dazn-p-0123456789ab' },
          { name: 'RUNNER_NAME', value: 'dazn-p-0123456789ab' },
        ],
      },
    ]);
  });
});
