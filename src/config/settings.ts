/**
 * The one place that reads inputs and the environment: everything is resolved and validated into
 * one typed settings object before any work starts. Nothing else reads inputs.
 *
 * S3 settings: the input, else its environment variable, else the default (see README).
 */
import { getInput } from '../runner/workflow';
import { readFileSync } from 'node:fs';
import * as C from './constants';
import { CacheUnavailableError, ValidationError } from '../errors/errors';
import { validateKeys, validatePrimaryKey } from './keys';
import { MAX_SEGMENTS } from '../archive/segments';

export type StepKind = 'restore' | 'save';

export interface S3Settings {
  bucket: string;
  region: string;
  /** Role for this run (default-branch-role on the default branch), none: the SDK's default chain. */
  roleToAssume?: string;
  endpoint?: string;
  stsEndpoint?: string;
  /** Without leading or trailing '/'. */
  prefix: string;
  /**
   * Isolated mode: the credential broker's URL and the token audience it accepts. When set, the
   * broker's credentials and layout (repo-<id>/ref-<hash>) are used, and role-to-assume is not.
   */
  broker?: { url: string; audience: string };
}

export interface TuningSettings {
  uploadConcurrency: number;
  uploadPartSize: number;
  /** The upload-chunk-size input, if set (passed on to @actions/cache on the fallback path). */
  uploadChunkSize?: number;
  downloadConcurrency: number;
  downloadPartSize: number;
  /** SEGMENT_DOWNLOAD_TIMEOUT_MINS in milliseconds. */
  downloadTimeoutMs: number;
  /** DAZN_CACHE_REQUEST_TIMEOUT_SECS in milliseconds: the longest silence on any connection. */
  requestTimeoutMs: number;
  /** DAZN_CACHE_STEP_TIMEOUT_MINS in milliseconds: the budget of the whole restore or save. */
  stepTimeoutMs: number;
  /** DAZN_CACHE_SEGMENTS: tar | zstd pipelines of a save (1: one stream); unset: by size and cores. */
  segments?: number;
}

export interface GitHubContext {
  /** owner/repo */
  repository: string;
  ref: string;
  baseRef?: string;
  defaultBranch?: string;
  runId: string;
  runAttempt: string;
  workspace: string;
  /** The job's own temporary folder (RUNNER_TEMP: emptied at the start and end of every job). */
  runnerTemp?: string;
  /** GITHUB_JOB: the job's id in the workflow. */
  job?: string;
  stepSummaryPath?: string;
}

export interface CacheSettings {
  /**
   * The path input lines as actions/cache reads them (see pathLines), used for the version too: the
   * same input gives upstream's cache version.
   */
  paths: string[];
  /** The key input; empty is allowed only for the post step, which uses the key from state. */
  primaryKey: string;
  restoreKeys: string[];
  enableCrossOsArchive: boolean;
  failOnCacheMiss: boolean;
  lookupOnly: boolean;
  saveAlways: boolean;
  /** Absent: S3 is not configured, the GitHub cache service is used. */
  s3?: S3Settings;
  tuning: TuningSettings;
  github: GitHubContext;
}

export type InputReader = (name: string) => string;

function lines(value: string): string[] {
  return value
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * The path input as actions/cache's getInputAsArray reads it: the input trimmed (core.getInput),
 * split on '\n', "!" followed by spaces becomes "!" (before the line is trimmed, so an indented
 * "  ! x" keeps its space: upstream hashes it so), each line trimmed ('\r' of CRLF too), empty lines
 * dropped. Comments and '!' marks stay: they are part of the version, and resolvePaths reads them.
 */
export function pathLines(value: string): string[] {
  return value
    .trim()
    .split('\n')
    .map((line) => line.replace(/^!\s+/, '!').trim())
    .filter((line) => line !== '');
}

function bool(value: string): boolean {
  return value.trim().toLowerCase() === 'true';
}

function firstSet(...values: (string | undefined)[]): string | undefined {
  for (const value of values) {
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses a byte count: a whole number, optionally with K, M or G (binary units, e.g. 8M). */
export function parseSize(raw: string, name: string, min: number, max: number): number {
  const match = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(raw.trim());
  const value = match ? Number(match[1]) * (SIZE_UNITS[match[2].toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(
      `${name}="${raw}" is not a valid size: use a whole number of bytes (or with K, M, G) between ${min} and ${max}.`,
    );
  }
  return value;
}

/** Parses a whole number within limits. */
export function parseCount(raw: string, name: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(`${name}="${raw}" is not valid: use a whole number between ${min} and ${max}.`);
  }
  return value;
}

function parseMinutes(raw: string, name: string): number {
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > 24 * 60) {
    throw new ValidationError(
      `${name}="${raw}" is not valid: use a number of minutes greater than 0 (e.g. 10).`,
    );
  }
  return value;
}

function parseSeconds(raw: string, name: string, max: number): number {
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new ValidationError(
      `${name}="${raw}" is not valid: use a number of seconds greater than 0 and at most ${max} (e.g. 30).`,
    );
  }
  return value;
}

function resolveTuning(kind: StepKind, readInput: InputReader, env: NodeJS.ProcessEnv): TuningSettings {
  const envValue = (name: string): string | undefined => firstSet(env[name]);
  const uploadConcurrency = envValue('DAZN_CACHE_UPLOAD_CONCURRENCY');
  const downloadConcurrency = envValue('DAZN_CACHE_DOWNLOAD_CONCURRENCY');
  const downloadPartSize = envValue('DAZN_CACHE_DOWNLOAD_PART_SIZE');
  const timeout = envValue('SEGMENT_DOWNLOAD_TIMEOUT_MINS');
  const requestTimeout = envValue('DAZN_CACHE_REQUEST_TIMEOUT_SECS');
  const stepTimeout = envValue('DAZN_CACHE_STEP_TIMEOUT_MINS');
  const segments = envValue('DAZN_CACHE_SEGMENTS');
  const chunkSizeInput = firstSet(readInput('upload-chunk-size'));
  const chunkSize = chunkSizeInput
    ? parseSize(chunkSizeInput, 'upload-chunk-size', 1, C.MAX_UPLOAD_PART_SIZE)
    : undefined;
  const downloadTimeoutMs =
    (timeout
      ? parseMinutes(timeout, 'SEGMENT_DOWNLOAD_TIMEOUT_MINS')
      : C.DEFAULT_SEGMENT_DOWNLOAD_TIMEOUT_MINS) * 60_000;
  const defaultStepMs =
    kind === 'restore'
      ? downloadTimeoutMs + C.RESTORE_STEP_ALLOWANCE_MINS * 60_000
      : C.DEFAULT_SAVE_STEP_TIMEOUT_MINS * 60_000;
  return {
    uploadConcurrency: uploadConcurrency
      ? parseCount(uploadConcurrency, 'DAZN_CACHE_UPLOAD_CONCURRENCY', 1, C.MAX_CONCURRENCY)
      : C.DEFAULT_UPLOAD_CONCURRENCY,
    // upload-chunk-size is accepted like upstream and used as the multipart part size.
    uploadPartSize: chunkSize ? Math.max(C.MIN_UPLOAD_PART_SIZE, chunkSize) : C.DEFAULT_UPLOAD_PART_SIZE,
    uploadChunkSize: chunkSize,
    downloadConcurrency: downloadConcurrency
      ? parseCount(downloadConcurrency, 'DAZN_CACHE_DOWNLOAD_CONCURRENCY', 1, C.MAX_CONCURRENCY)
      : C.DEFAULT_DOWNLOAD_CONCURRENCY,
    downloadPartSize: downloadPartSize
      ? parseSize(downloadPartSize, 'DAZN_CACHE_DOWNLOAD_PART_SIZE', 1, C.MAX_DOWNLOAD_PART_SIZE)
      : C.DEFAULT_DOWNLOAD_PART_SIZE,
    downloadTimeoutMs,
    requestTimeoutMs: requestTimeout
      ? parseSeconds(requestTimeout, 'DAZN_CACHE_REQUEST_TIMEOUT_SECS', C.MAX_REQUEST_TIMEOUT_SECS) * 1000
      : C.DEFAULT_REQUEST_TIMEOUT_MS,
    stepTimeoutMs: stepTimeout
      ? parseMinutes(stepTimeout, 'DAZN_CACHE_STEP_TIMEOUT_MINS') * 60_000
      : defaultStepMs,
    segments: segments ? parseCount(segments, 'DAZN_CACHE_SEGMENTS', 1, MAX_SEGMENTS) : undefined,
  };
}

function readDefaultBranch(
  eventPath: string | undefined,
  readFile: (path: string) => string,
): string | undefined {
  if (!eventPath) return undefined;
  try {
    const event = JSON.parse(readFile(eventPath)) as { repository?: { default_branch?: unknown } };
    const branch = event.repository?.default_branch;
    return typeof branch === 'string' && branch !== '' ? branch : undefined;
  } catch {
    return undefined;
  }
}

function validUrl(value: string | undefined, input: string, variable: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new ValidationError(
    `${input} / ${variable} "${value}" is not a URL: use e.g. https://s3.example.com (or leave it empty for AWS).`,
  );
}

/** The token audience the broker accepts unless configured otherwise (its BROKER_AUDIENCE). */
export const DEFAULT_BROKER_AUDIENCE = 'dazn-cache';

function resolveBroker(readInput: InputReader, env: NodeJS.ProcessEnv): S3Settings['broker'] {
  const url = firstSet(readInput('broker-url'), env.DAZN_CACHE_BROKER_URL);
  if (url === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // The job's token travels in the request: only over TLS (plain http only to this machine, for tests).
  const loopback = parsed !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (!parsed || !(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopback))) {
    throw new ValidationError(
      `broker-url / DAZN_CACHE_BROKER_URL "${url}" is not an https:// URL: set it to the broker's function URL (stack 02 output broker_url).`,
    );
  }
  const audience =
    firstSet(readInput('broker-audience'), env.DAZN_CACHE_BROKER_AUDIENCE) ?? DEFAULT_BROKER_AUDIENCE;
  if (!/^[\x21-\x7e]{1,255}$/.test(audience)) {
    throw new ValidationError(
      `broker-audience / DAZN_CACHE_BROKER_AUDIENCE "${audience}" is not a token audience: use the broker's BROKER_AUDIENCE (default ${DEFAULT_BROKER_AUDIENCE}).`,
    );
  }
  return { url, audience };
}

function resolveS3(
  readInput: InputReader,
  env: NodeJS.ProcessEnv,
  github: GitHubContext,
): S3Settings | undefined {
  const bucket = firstSet(readInput('bucket'), env.DAZN_CACHE_BUCKET);
  if (!bucket) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw new ValidationError(
      `bucket / DAZN_CACHE_BUCKET "${bucket}" is not a valid S3 bucket name (letters, digits, '.', '-'; no '/' or 's3://').`,
    );
  }
  if (!/^[^/\s]+\/[^/\s]+$/.test(github.repository)) {
    throw new ValidationError(
      'GITHUB_REPOSITORY is not set to owner/repo: run the action inside GitHub Actions.',
    );
  }
  if (!github.ref) {
    // Upstream's rule and words: an event without a branch or tag ref skips the cache with a
    // warning (the step succeeds), because no scope can be told for it.
    throw new CacheUnavailableError(
      `Event Validation Error: The event type ${env.GITHUB_EVENT_NAME ?? '(unknown)'} is not supported because it's not tied to a branch or tag ref (GITHUB_REF is empty); the cache is not used in this step.`,
    );
  }
  const role = firstSet(readInput('role-to-assume'), env.DAZN_CACHE_ROLE_ARN);
  const defaultBranchRole =
    firstSet(readInput('default-branch-role'), env.DAZN_CACHE_DEFAULT_BRANCH_ROLE_ARN) ?? role;
  const onDefaultBranch =
    github.defaultBranch !== undefined && github.ref === `refs/heads/${github.defaultBranch}`;
  const endpoint = validUrl(
    firstSet(readInput('endpoint'), env.DAZN_CACHE_ENDPOINT),
    'endpoint',
    'DAZN_CACHE_ENDPOINT',
  );
  const stsEndpoint =
    validUrl(
      firstSet(readInput('sts-endpoint'), env.DAZN_CACHE_STS_ENDPOINT),
      'sts-endpoint',
      'DAZN_CACHE_STS_ENDPOINT',
    ) ?? endpoint;
  const prefix = (firstSet(readInput('prefix'), env.DAZN_CACHE_PREFIX) ?? 'cache').replace(/^\/+|\/+$/g, '');
  const broker = resolveBroker(readInput, env);
  return {
    bucket,
    region: firstSet(readInput('region'), env.DAZN_CACHE_REGION, env.AWS_REGION) ?? 'eu-central-1',
    // With the broker, its tagged session is the only credential: a role would bypass the isolation.
    roleToAssume: broker ? undefined : onDefaultBranch ? defaultBranchRole : role,
    endpoint,
    stsEndpoint,
    prefix,
    ...(broker ? { broker } : {}),
  };
}

/** Resolves and validates every setting. Pure: inputs, environment and files come in as arguments. */
export function resolveSettings(
  kind: StepKind,
  readInput: InputReader,
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): CacheSettings {
  const paths = pathLines(readInput('path'));
  if (paths.length === 0) {
    throw new ValidationError('Input required and not supplied: path (list the files or folders to cache).');
  }
  const primaryKey = readInput('key').trim();
  const restoreKeys = kind === 'restore' ? lines(readInput('restore-keys')) : [];
  if (kind === 'restore') validateKeys(primaryKey, restoreKeys);
  else if (primaryKey !== '') validatePrimaryKey(primaryKey);

  const github: GitHubContext = {
    repository: env.GITHUB_REPOSITORY ?? '',
    ref: env.GITHUB_REF ?? '',
    baseRef: firstSet(env.GITHUB_BASE_REF),
    defaultBranch: readDefaultBranch(firstSet(env.GITHUB_EVENT_PATH), readFile),
    runId: env.GITHUB_RUN_ID ?? '0',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    // As written (a folder name may end in a space), like upstream's GITHUB_WORKSPACE ?? cwd.
    workspace: env.GITHUB_WORKSPACE?.trim() ? env.GITHUB_WORKSPACE : process.cwd(),
    runnerTemp: firstSet(env.RUNNER_TEMP),
    job: firstSet(env.GITHUB_JOB),
    stepSummaryPath: firstSet(env.GITHUB_STEP_SUMMARY),
  };
  return {
    paths,
    primaryKey,
    restoreKeys,
    enableCrossOsArchive: bool(readInput('enableCrossOsArchive')),
    failOnCacheMiss: bool(readInput('fail-on-cache-miss')),
    lookupOnly: bool(readInput('lookup-only')),
    saveAlways: bool(readInput('save-always')),
    s3: resolveS3(readInput, env, github),
    tuning: resolveTuning(kind, readInput, env),
    github,
  };
}

/** Reads the step's inputs and environment. */
export function readSettings(kind: StepKind): CacheSettings {
  return resolveSettings(kind, (name) => getInput(name), process.env);
}

/** Prints every resolved setting as debug lines (no secrets live in settings). */
export function debugSettings(settings: CacheSettings, debug: (message: string) => void): void {
  const flat: Record<string, unknown> = {
    ...settings,
    s3: undefined,
    tuning: undefined,
    github: undefined,
    ...Object.fromEntries(
      Object.entries(settings.s3 ?? { bucket: '(none: GitHub cache service)' }).map(([k, v]) => [
        `s3.${k}`,
        v,
      ]),
    ),
    ...Object.fromEntries(Object.entries(settings.tuning).map(([k, v]) => [`tuning.${k}`, v])),
    ...Object.fromEntries(Object.entries(settings.github).map(([k, v]) => [`github.${k}`, v])),
  };
  for (const [name, value] of Object.entries(flat)) {
    if (value !== undefined) debug(`setting ${name} = ${JSON.stringify(value)}`);
  }
}
