/**
 * The runner's JIT configuration, taken from its one SSM parameter (scaler/INTERFACE.md, "How a JIT
 * configuration reaches its one task"): read with decryption, deleted, decoded into the files the actions
 * runner itself writes for `--jitconfig` (.runner, .credentials, .credentials_rsaparams in its root folder).
 *
 * The delete is the claim: two starts that read the same parameter at once both succeed in reading, but
 * only one DeleteParameter succeeds; the other gets ParameterNotFound and stops as "already used".
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the reader needs of SSM: the two calls, each answering or throwing the SDK's named error. */
export interface ParameterStore {
  /** The decrypted value, or undefined when the parameter does not exist. */
  get(name: string, signal: AbortSignal): Promise<string | undefined>;
  /** false when the parameter does not exist (any more). */
  delete(name: string, signal: AbortSignal): Promise<boolean>;
}

export interface JitSettings {
  /** The SSM parameter name; '' when the configuration comes on stdin (RUNNER_JIT_CONFIG, manual use). */
  parameter: string;
  /** The runner's installation folder (config.sh, run.sh): where the runner keeps its configuration. */
  runnerHome: string;
  /** Hard bound of the whole read, delete and write (ms). */
  timeoutMs: number;
}

/** A failure with its exit status and one line for the log; never contains the configuration. */
export class JitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'JitError';
  }
}

/** Exit statuses (sysexits.h): the entrypoint and the tests tell the causes apart by them. */
export const EXIT = {
  usage: 64, // a setting is wrong
  alreadyUsed: 65, // the parameter does not exist: used before, or never written
  badConfig: 66, // the value is not a JIT configuration
  unavailable: 69, // SSM refused or did not answer in time
} as const;

/** SSM parameter names: a path of letters, digits and `_.-/`, at most 1011 characters (SSM's limit). */
const PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;

/** The files a configuration may hold: dot-files of the runner's root folder, never a path. */
const CONFIG_FILE = /^\.[A-Za-z0-9_]+$/;
const REQUIRED_FILES = ['.runner', '.credentials', '.credentials_rsaparams'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function resolveSettings(env: NodeJS.ProcessEnv, source: 'ssm' | 'stdin'): JitSettings {
  const parameter = source === 'ssm' ? (env.RUNNER_JIT_PARAMETER ?? '') : '';
  if (source === 'ssm' && !PARAMETER_NAME.test(parameter)) {
    throw new JitError(
      `RUNNER_JIT_PARAMETER is '${parameter}': give the SSM parameter name the scaler wrote, e.g. /dazn-runners/jit/dazn-ecs-x86_64-spot-0123456789ab`,
      EXIT.usage,
    );
  }
  const runnerHome = env.RUNNER_HOME || '/home/runner';
  const seconds = env.RUNNER_JIT_TIMEOUT_SECONDS ?? '30';
  if (!/^[1-9][0-9]*$/.test(seconds)) {
    throw new JitError(`RUNNER_JIT_TIMEOUT_SECONDS is '${seconds}': give whole seconds, e.g. 30`, EXIT.usage);
  }
  if (source === 'ssm' && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
    throw new JitError(
      'AWS_REGION is not set: set it to the region of the JIT parameter (ECS and Fargate set it for the task)',
      EXIT.usage,
    );
  }
  return { parameter, runnerHome, timeoutMs: Number(seconds) * 1000 };
}

function alreadyUsed(parameter: string): JitError {
  return new JitError(
    `the JIT parameter ${parameter} does not exist: a JIT configuration is single use, so an earlier start of this runner took it (or it was never written); the scaler starts a new runner for the job`,
    EXIT.alreadyUsed,
  );
}

/** Decodes encoded_jit_config: base64 of a JSON object whose values are the base64 file contents. */
export function decodeConfig(encoded: string, source: string): Map<string, Buffer> {
  const bad = (why: string) =>
    new JitError(`${source} is not an encoded_jit_config of the generate-jitconfig API (${why})`, EXIT.badConfig);
  const text = encoded.trim();
  if (!BASE64.test(text)) throw bad('not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw bad('not base64 of JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('not a JSON object');
  const files = new Map<string, Buffer>();
  for (const [name, value] of Object.entries(parsed)) {
    if (!CONFIG_FILE.test(name)) throw bad(`file name ${JSON.stringify(name).slice(0, 40)} is not a dot-file`);
    if (typeof value !== 'string' || !BASE64.test(value)) throw bad(`${name} is not base64`);
    files.set(name, Buffer.from(value, 'base64'));
  }
  const missing = REQUIRED_FILES.filter((name) => !files.has(name));
  if (missing.length > 0) throw bad(`no ${missing.join(', ')}`);
  return files;
}

/** Writes each file as the runner does, readable by its user only, replacing any earlier one whole. */
export function writeConfig(runnerHome: string, files: Map<string, Buffer>): void {
  mkdirSync(runnerHome, { recursive: true });
  for (const [name, content] of files) {
    const path = join(runnerHome, name);
    const partial = `${path}.partial`;
    writeFileSync(partial, content, { mode: 0o600 });
    renameSync(partial, path);
  }
}

/** The runner's name from .runner, for the log line (the runner writes it with a UTF-8 byte order mark). */
function runnerName(files: Map<string, Buffer>): string {
  try {
    const settings: unknown = JSON.parse(
      (files.get('.runner') ?? Buffer.alloc(0)).toString('utf8').replace(/^\uFEFF/, ''),
    );
    if (typeof settings === 'object' && settings !== null) {
      const name: unknown = (settings as Record<string, unknown>).agentName;
      if (typeof name === 'string') return name;
    }
  } catch {
    // the name is only for the log
  }
  return '(unnamed)';
}

/** Read, delete, decode, write; returns the log line. Throws JitError. */
export async function takeJitConfig(settings: JitSettings, store: ParameterStore): Promise<string> {
  const { parameter } = settings;
  const signal = AbortSignal.timeout(settings.timeoutMs);
  const value = await ssmCall(parameter, 'ssm:GetParameter', signal, () => store.get(parameter, signal));
  if (value === undefined) throw alreadyUsed(parameter);
  const deleted = await ssmCall(parameter, 'ssm:DeleteParameter', signal, () => store.delete(parameter, signal));
  if (!deleted) throw alreadyUsed(parameter);
  const files = decodeConfig(value, `the JIT parameter ${parameter}`);
  writeConfig(settings.runnerHome, files);
  return `read and deleted ${parameter}; wrote ${[...files.keys()].join(', ')} to ${settings.runnerHome} for runner ${runnerName(files)}`;
}

/** RUNNER_JIT_CONFIG (manual use), handed over on stdin: decode and write; returns the log line. */
export function writeGivenJitConfig(settings: JitSettings, encoded: string): string {
  const files = decodeConfig(encoded, 'RUNNER_JIT_CONFIG');
  writeConfig(settings.runnerHome, files);
  return `wrote ${[...files.keys()].join(', ')} of RUNNER_JIT_CONFIG to ${settings.runnerHome} for runner ${runnerName(files)}`;
}

async function ssmCall<T>(parameter: string, action: string, signal: AbortSignal, call: () => Promise<T>) {
  try {
    return await call();
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    if (signal.aborted) {
      throw new JitError(
        `${action} on ${parameter} did not finish within its time limit (RUNNER_JIT_TIMEOUT_SECONDS): check the task's route to SSM and to its credentials`,
        EXIT.unavailable,
      );
    }
    if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnrecognizedClientException') {
      throw new JitError(
        `${action} on ${parameter} was refused (${name}): the task role needs ssm:GetParameter and ssm:DeleteParameter on the JIT parameter prefix and kms:Decrypt through SSM`,
        EXIT.unavailable,
      );
    }
    if (name === 'CredentialsProviderError') {
      throw new JitError(
        `${action} on ${parameter} had no credentials: the task role's could not be fetched (${message.slice(0, 200)}); check the task's role and its route to the credentials endpoint`,
        EXIT.unavailable,
      );
    }
    throw new JitError(`${action} on ${parameter} failed: ${name}: ${message.slice(0, 300)}`, EXIT.unavailable);
  }
}
