/**
 * EcsPort: RunTask of one runner task (the container override carries only names, never the JIT
 * configuration), StopTask, and the scaler's tasks (startedBy) with their tags.
 */
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { type ClientBounds, clientConfig, errorName } from './aws';
import type { PoolConfig } from './config';
import type { EcsPort, RunTaskOutcome, ScalerTask } from './ports';

export const STARTED_BY = 'dazn-scaler';
export const TAG_POOL = 'dazn:pool';
export const TAG_RUNNER = 'dazn:runner-name';

/** RunTask failures[] reasons that mean "no room now": RESOURCE:CPU/MEMORY/..., AGENT, spot capacity. */
const CAPACITY = /^RESOURCE:|^AGENT|capacity|insufficient|unavailable/i;
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'ServerException']);

export function runTaskInput(
  pool: PoolConfig,
  runnerName: string,
  parameterName: string,
): RunTaskCommandInput {
  return {
    cluster: pool.cluster,
    taskDefinition: pool.taskDefinition,
    count: 1,
    startedBy: STARTED_BY,
    enableECSManagedTags: true,
    ...(pool.capacityProviderStrategy
      ? { capacityProviderStrategy: pool.capacityProviderStrategy }
      : { launchType: pool.launchType ?? undefined }),
    ...(pool.network
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: pool.network.subnets,
              securityGroups: pool.network.securityGroups,
              assignPublicIp: pool.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
        }
      : {}),
    overrides: {
      containerOverrides: [
        {
          name: pool.containerName,
          environment: [
            { name: 'RUNNER_JIT_PARAMETER', value: parameterName },
            { name: 'RUNNER_NAME', value: runnerName },
          ],
        },
      ],
    },
    tags: [
      { key: TAG_POOL, value: pool.name },
      { key: TAG_RUNNER, value: runnerName },
    ],
  };
}

export function createEcs(bounds: ClientBounds): EcsPort {
  const client = new ECSClient(clientConfig(bounds));
  return {
    async runTask(pool, runnerName, parameterName): Promise<RunTaskOutcome> {
      try {
        const response = await client.send(new RunTaskCommand(runTaskInput(pool, runnerName, parameterName)));
        const task = response.tasks?.[0];
        if (task?.taskArn) return { ok: true, taskArn: task.taskArn };
        const reason =
          response.failures
            ?.map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`)
            .join('; ') ?? 'no task';
        return { ok: false, kind: CAPACITY.test(reason) ? 'capacity' : 'other', reason };
      } catch (error) {
        const name = errorName(error);
        const message = `${name}: ${(error as Error).message}`;
        if (THROTTLED.has(name)) return { ok: false, kind: 'throttled', reason: message };
        return {
          ok: false,
          kind: CAPACITY.test((error as Error).message) ? 'capacity' : 'other',
          reason: message,
        };
      }
    },

    async stopTask(cluster, taskArn, reason) {
      await client.send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) }));
    },

    async listTasks(clusters) {
      const out: ScalerTask[] = [];
      for (const cluster of clusters) {
        const arns: string[] = [];
        let nextToken: string | undefined;
        do {
          const page = await client.send(
            new ListTasksCommand({
              cluster,
              startedBy: STARTED_BY,
              desiredStatus: 'RUNNING',
              nextToken,
              maxResults: 100,
            }),
          );
          arns.push(...(page.taskArns ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        for (let i = 0; i < arns.length; i += 100) {
          const described = await client.send(
            new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100), include: ['TAGS'] }),
          );
          for (const task of described.tasks ?? []) {
            if (!task.taskArn) continue;
            const tag = (key: string): string | null => task.tags?.find((t) => t.key === key)?.value ?? null;
            out.push({
              taskArn: task.taskArn,
              cluster,
              runnerName: tag(TAG_RUNNER),
              pool: tag(TAG_POOL),
              lastStatus: task.lastStatus ?? 'UNKNOWN',
              createdAt: task.createdAt ? task.createdAt.getTime() : 0,
            });
          }
        }
      }
      return out;
    },
  };
}
