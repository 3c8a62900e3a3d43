/**
 * The one place that reads the scaler's environment (scaler/INTERFACE.md). Everything is resolved and
 * validated into a typed object before any work starts; an error names the variable and the fix.
 */
import { gunzipSync } from 'node:zlib';
import { OfficeHours, parseOfficeHours, validateTimeZone } from './schedule';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface CapacityProviderItem {
  capacityProvider: string;
  weight?: number;
  base?: number;
}

export interface PoolNetwork {
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
}

export interface PoolConfig {
  name: string;
  /** As GitHub shows them; compared case-insensitively. */
  labels: string[];
  /** Runner group name (resolved to its id once per cold start) or its numeric id. */
  runnerGroup: string;
  cluster: string;
  taskDefinition: string;
  containerName: string;
  capacityProviderStrategy: CapacityProviderItem[] | null;
  launchType: 'EC2' | 'FARGATE' | 'EXTERNAL' | null;
  /** null for bridge-mode task definitions. */
  network: PoolNetwork | null;
  maxRunners: number;
  warm: { officeHours: number; otherHours: number };
  fallbackPool: string | null;
}

export interface ScalerConfig {
  githubApiUrl: string;
  org: string;
  appId: string;
  installationId: number;
  appKeySecretArn: string;
  webhookSecretArn: string;
  stateTable: string;
  jitParameterPrefix: string;
  runnerNamePrefix: string;
  maxRunners: number;
  officeHours: OfficeHours;
  timeZone: string;
  runnerStartTimeoutSeconds: number;
  runnerIdleTimeoutSeconds: number;
  pools: PoolConfig[];
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set: ${hint}`);
  return value;
}

function integer(env: Env, name: string, fallback: number | undefined, min: number, hint: string): number {
  const raw = env[name]?.trim();
  if (!raw) {
    if (fallback === undefined) throw new ConfigError(`${name} is not set: ${hint}`);
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number >= ${min}: ${hint}`);
  }
  return Number(raw);
}

const NAME = /^[A-Za-z0-9._-]+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new ConfigError(`POOLS: ${where} must be a list of non-empty strings`);
  }
  return value as string[];
}

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(`POOLS: ${where} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parsePool(raw: unknown, index: number): PoolConfig {
  if (!isObject(raw)) throw new ConfigError(`POOLS[${index}] must be an object (see scaler/INTERFACE.md)`);
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ConfigError(`POOLS[${index}].name must match [A-Za-z0-9._-]+, got ${JSON.stringify(name)}`);
  }
  const at = `pool ${name}`;
  const str = (key: string, fallback?: string): string => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'string' || v === '')
      throw new ConfigError(`POOLS: ${at}: "${key}" must be a non-empty string`);
    return v;
  };
  const labels = stringList(raw.labels, `${at}: "labels"`);
  if (labels.length === 0) throw new ConfigError(`POOLS: ${at}: "labels" must not be empty`);
  const runnerGroup = raw.runnerGroup;
  if (typeof runnerGroup !== 'string' && typeof runnerGroup !== 'number') {
    throw new ConfigError(`POOLS: ${at}: "runnerGroup" must be the runner group's name or id`);
  }
  let strategy: CapacityProviderItem[] | null = null;
  if (raw.capacityProviderStrategy != null) {
    if (!Array.isArray(raw.capacityProviderStrategy) || raw.capacityProviderStrategy.length === 0) {
      throw new ConfigError(`POOLS: ${at}: "capacityProviderStrategy" must be a non-empty list or null`);
    }
    strategy = raw.capacityProviderStrategy.map((item: unknown, i: number) => {
      if (!isObject(item) || typeof item.capacityProvider !== 'string') {
        throw new ConfigError(`POOLS: ${at}: capacityProviderStrategy[${i}] needs "capacityProvider"`);
      }
      return {
        capacityProvider: item.capacityProvider,
        ...(item.weight !== undefined ? { weight: count(item.weight, `${at}: weight`) } : {}),
        ...(item.base !== undefined ? { base: count(item.base, `${at}: base`) } : {}),
      };
    });
  }
  const launchType = raw.launchType ?? null;
  if (launchType !== null && launchType !== 'EC2' && launchType !== 'FARGATE' && launchType !== 'EXTERNAL') {
    throw new ConfigError(`POOLS: ${at}: "launchType" must be EC2, FARGATE or null`);
  }
  if ((strategy === null) === (launchType === null)) {
    throw new ConfigError(`POOLS: ${at}: set exactly one of "capacityProviderStrategy" and "launchType"`);
  }
  let network: PoolNetwork | null = null;
  if (raw.network != null) {
    if (!isObject(raw.network)) throw new ConfigError(`POOLS: ${at}: "network" must be an object or null`);
    network = {
      subnets: stringList(raw.network.subnets, `${at}: network.subnets`),
      securityGroups: stringList(raw.network.securityGroups ?? [], `${at}: network.securityGroups`),
      assignPublicIp: raw.network.assignPublicIp === true,
    };
    if (network.subnets.length === 0)
      throw new ConfigError(`POOLS: ${at}: network.subnets must not be empty`);
  }
  const warm = isObject(raw.warm) ? raw.warm : {};
  const fallback = raw.fallbackPool ?? null;
  if (fallback !== null && typeof fallback !== 'string') {
    throw new ConfigError(`POOLS: ${at}: "fallbackPool" must be a pool name or null`);
  }
  return {
    name,
    labels,
    runnerGroup: String(runnerGroup),
    cluster: str('cluster'),
    taskDefinition: str('taskDefinition'),
    containerName: str('containerName', 'runner'),
    capacityProviderStrategy: strategy,
    launchType,
    network,
    maxRunners: count(raw.maxRunners, `${at}: "maxRunners"`),
    warm: {
      officeHours: count(warm.officeHours ?? 0, `${at}: warm.officeHours`),
      otherHours: count(warm.otherHours ?? 0, `${at}: warm.otherHours`),
    },
    fallbackPool: fallback,
  };
}

/**
 * POOLS as JSON, or (when the JSON would not fit Lambda's 4 KB of environment: seven pools are
 * about 4.7 KB) gzipped JSON in base64, which stack 07 sends then. A value that starts with `[` is
 * JSON; anything else is read as base64 gzip.
 */
export function decodePools(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) return trimmed;
  try {
    return gunzipSync(Buffer.from(trimmed, 'base64')).toString('utf8');
  } catch (error) {
    throw new ConfigError(
      `POOLS is neither a JSON array nor base64 of gzipped JSON (${(error as Error).message}): see scaler/INTERFACE.md`,
    );
  }
}

export function parsePools(json: string | undefined): PoolConfig[] {
  if (!json?.trim()) throw new ConfigError('POOLS is not set: a JSON array of pools (scaler/INTERFACE.md)');
  let raw: unknown;
  try {
    raw = JSON.parse(decodePools(json));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`POOLS is not valid JSON (${(error as Error).message}): a JSON array of pools`);
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError('POOLS must be a non-empty JSON array');
  const pools = raw.map(parsePool);
  const names = new Set<string>();
  for (const pool of pools) {
    if (names.has(pool.name)) throw new ConfigError(`POOLS: pool name ${pool.name} appears twice`);
    names.add(pool.name);
    if (pool.warm.officeHours > pool.maxRunners || pool.warm.otherHours > pool.maxRunners) {
      throw new ConfigError(`POOLS: pool ${pool.name}: warm minimum above maxRunners ${pool.maxRunners}`);
    }
  }
  for (const pool of pools) {
    if (pool.fallbackPool === null) continue;
    if (pool.fallbackPool === pool.name || !names.has(pool.fallbackPool)) {
      throw new ConfigError(
        `POOLS: pool ${pool.name}: fallbackPool ${pool.fallbackPool} is not another pool's name`,
      );
    }
  }
  return pools;
}

export function loadConfig(env: Env = process.env): ScalerConfig {
  const pools = parsePools(env.POOLS);
  const githubApiUrl = (env.GITHUB_API_URL?.trim() || 'https://api.github.com').replace(/\/+$/, '');
  try {
    const url = new URL(githubApiUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('protocol');
  } catch {
    throw new ConfigError(`GITHUB_API_URL=${JSON.stringify(githubApiUrl)} is not an http(s) URL`);
  }
  const prefix = env.RUNNER_NAME_PREFIX?.trim() || 'dazn';
  if (!/^[A-Za-z0-9._]{1,30}$/.test(prefix)) {
    throw new ConfigError(
      `RUNNER_NAME_PREFIX=${JSON.stringify(prefix)} must be 1-30 characters of [A-Za-z0-9._]`,
    );
  }
  const jitPrefix = (env.JIT_PARAMETER_PREFIX?.trim() || '/dazn-runners/jit').replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(jitPrefix)) {
    throw new ConfigError(
      `JIT_PARAMETER_PREFIX=${JSON.stringify(jitPrefix)} must be an SSM path like /dazn-runners/jit`,
    );
  }
  const timeZone = env.TIME_ZONE?.trim() || 'UTC';
  if (!validateTimeZone(timeZone)) {
    throw new ConfigError(
      `TIME_ZONE=${JSON.stringify(timeZone)} is not an IANA time zone (e.g. Europe/Berlin)`,
    );
  }
  let officeHours: OfficeHours;
  try {
    officeHours = parseOfficeHours(env.OFFICE_HOURS ?? 'Mon-Fri 07:00-19:00');
  } catch (error) {
    throw new ConfigError(`OFFICE_HOURS: ${(error as Error).message} (e.g. "Mon-Fri 07:00-19:00")`);
  }
  const poolSum = pools.reduce((sum, p) => sum + p.maxRunners, 0);
  return {
    githubApiUrl,
    org: required(env, 'GITHUB_ORG', 'the organisation the App is installed on'),
    appId: required(env, 'GITHUB_APP_ID', "the GitHub App's id (App settings, About)"),
    installationId: integer(
      env,
      'GITHUB_INSTALLATION_ID',
      undefined,
      1,
      "the App's installation id on the org",
    ),
    appKeySecretArn: required(
      env,
      'GITHUB_APP_KEY_SECRET_ARN',
      "the Secrets Manager secret holding the App's PEM key",
    ),
    webhookSecretArn: required(
      env,
      'WEBHOOK_SECRET_ARN',
      'the Secrets Manager secret holding the webhook secret',
    ),
    stateTable: required(env, 'STATE_TABLE', 'the DynamoDB table (hash key pk, string)'),
    jitParameterPrefix: jitPrefix,
    runnerNamePrefix: prefix,
    maxRunners: integer(env, 'MAX_RUNNERS', poolSum, 0, 'the most runners of all pools together'),
    officeHours,
    timeZone,
    runnerStartTimeoutSeconds: integer(
      env,
      'RUNNER_START_TIMEOUT_SECONDS',
      600,
      30,
      'seconds a runner may take to come online',
    ),
    runnerIdleTimeoutSeconds: integer(
      env,
      'RUNNER_IDLE_TIMEOUT_SECONDS',
      300,
      0,
      'seconds an extra idle runner is kept',
    ),
    pools,
  };
}
