/**
 * Runs the built action bundles the way the GitHub runner runs a `node24` action: a separate `node`
 * process per step, started in GITHUB_WORKSPACE, with inputs as INPUT_<NAME> (defaults from the
 * action.yml), file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY, GITHUB_ENV,
 * GITHUB_PATH), the event payload, STATE_<name> for the post step, and workflow commands
 * (`::warning::` ...) parsed from stdout. A job is one simulated runner machine (its own workspace,
 * RUNNER_TEMP and HOME); `runJob` runs `action.yml`'s main step and, when it succeeded, its post step.
 *
 * Node binary: DAZN_TEST_NODE when set (CI runs the end-to-end suite again on Node 24), else this one.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Repository root (where action.yml lives): found upwards, so a compiled copy of this file works too. */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'action.yml')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no action.yml above ${from}`);
  }
}

/** The three actions this repository ships, by the folder of their action.yml. */
export type ActionName = 'cache' | 'restore' | 'save' | 'prune';
export type Phase = 'main' | 'post';

const ACTION_DIRS: Record<ActionName, string> = {
  cache: REPO_ROOT,
  restore: join(REPO_ROOT, 'restore'),
  save: join(REPO_ROOT, 'save'),
  prune: join(REPO_ROOT, 'prune'),
};

export function nodeBinary(): string {
  return process.env.DAZN_TEST_NODE || process.execPath;
}

/** What the runner needs from an action.yml: input defaults and the scripts of each phase. */
export interface ActionMetadata {
  dir: string;
  inputs: Map<string, { default: string | undefined; required: boolean }>;
  main: string;
  post: string | undefined;
  postIf: string | undefined;
  using: string;
}

/**
 * DAZN_E2E_DIST=<folder> runs bundles built elsewhere (e.g. a candidate build) in place of dist/;
 * unset, the committed dist/ is what runs.
 */
function bundlePath(path: string): string {
  const override = process.env.DAZN_E2E_DIST;
  const dist = join(REPO_ROOT, 'dist');
  return override && path.startsWith(`${dist}/`)
    ? join(resolve(override), path.slice(dist.length + 1))
    : path;
}

function unquote(value: string): string {
  const v = value.trim();
  if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) return v.slice(1, -1);
  return v;
}

/**
 * Reads the parts of an action.yml the runner uses. The files are simple (two-space indentation,
 * scalar values), so a line reader is enough and keeps this free of a YAML dependency.
 */
export function readActionMetadata(action: ActionName): ActionMetadata {
  const dir = ACTION_DIRS[action];
  const lines = readFileSync(join(dir, 'action.yml'), 'utf8').split('\n');
  const inputs = new Map<string, { default: string | undefined; required: boolean }>();
  const runs: Record<string, string> = {};
  let section = '';
  let current: { default: string | undefined; required: boolean } | undefined;
  for (const line of lines) {
    if (/^\S/.test(line)) {
      section = line.replace(/:.*$/, '');
      current = undefined;
      continue;
    }
    if (section === 'inputs') {
      const name = /^ {2}([^\s:][^:]*):\s*$/.exec(line);
      if (name) {
        current = { default: undefined, required: false };
        inputs.set(name[1], current);
        continue;
      }
      const field = /^ {4}(default|required):\s*(.*)$/.exec(line);
      if (field && current) {
        if (field[1] === 'default') current.default = unquote(field[2]);
        else current.required = unquote(field[2]) === 'true';
      }
    } else if (section === 'runs') {
      const field = /^ {2}([\w-]+):\s*(.*)$/.exec(line);
      if (field) runs[field[1]] = unquote(field[2]);
    }
  }
  if (!runs.main) throw new Error(`${dir}/action.yml has no runs.main`);
  return {
    dir,
    inputs,
    using: runs.using,
    main: bundlePath(resolve(dir, runs.main)),
    post: runs.post ? bundlePath(resolve(dir, runs.post)) : undefined,
    postIf: runs['post-if'],
  };
}

/** A workflow command read from stdout, e.g. `::warning file=a::text`. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

function unescapeData(value: string): string {
  return value.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(value: string): string {
  return unescapeData(value).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/** Splits stdout into workflow commands and plain log lines, as the runner does. */
export function parseWorkflowCommands(stdout: string): { commands: WorkflowCommand[]; lines: string[] } {
  const commands: WorkflowCommand[] = [];
  const lines: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const match = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) {
      lines.push(line);
      continue;
    }
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command: match[1].toLowerCase(), properties, message: unescapeData(match[3]) });
  }
  return { commands, lines };
}

/** Parses a GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV file: `name=value` or `name<<DELIM` heredocs. */
export function parseKeyValueFile(content: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) value.push(lines[i++]);
      if (i >= lines.length)
        throw new Error(`file command value for ${name} is not terminated by ${delimiter}`);
      result[name] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`invalid file command line: ${JSON.stringify(line)}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

export interface StepResult {
  action: ActionName;
  phase: Phase;
  /** Process exit code (1 = the step failed, e.g. core.setFailed); null when killed. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** GITHUB_OUTPUT after the step. */
  outputs: Record<string, string>;
  /** GITHUB_STATE after the step (becomes STATE_<name> of the post step). */
  state: Record<string, string>;
  /** Raw GITHUB_OUTPUT and GITHUB_STATE files, for secret scans. */
  outputFile: string;
  stateFile: string;
  /** This step's GITHUB_STEP_SUMMARY content. */
  summary: string;
  commands: WorkflowCommand[];
  /** Plain log lines (core.info and anything else printed that is not a workflow command). */
  lines: string[];
  warnings: string[];
  errors: string[];
  notices: string[];
  debugs: string[];
  masks: string[];
  durationMs: number;
}

/** The whole step log, for error messages. */
export function describeStep(step: StepResult): string {
  return [
    `--- ${step.action} ${step.phase}: exit ${step.exitCode}${step.signal ? ` (${step.signal})` : ''}` +
      `${step.timedOut ? ' TIMED OUT' : ''} in ${step.durationMs} ms`,
    `outputs: ${JSON.stringify(step.outputs)}`,
    `state: ${JSON.stringify(step.state)}`,
    '--- stdout',
    step.stdout.trimEnd(),
    '--- stderr',
    step.stderr.trimEnd(),
  ].join('\n');
}

/** Throws with the full step log unless the step ended with the expected exit code. */
export function expectExit(step: StepResult, code: number): StepResult {
  if (step.exitCode !== code || step.timedOut) {
    throw new Error(`expected exit code ${code}\n${describeStep(step)}`);
  }
  return step;
}

export interface PullRequestEvent {
  number: number;
  /** Base branch name (GITHUB_BASE_REF). */
  base: string;
  /** Head branch name (GITHUB_HEAD_REF). */
  head: string;
}

export interface JobOptions {
  repository?: string;
  /** GITHUB_REF of a push run; ignored for pull requests (refs/pull/N/merge). */
  ref?: string;
  defaultBranch?: string;
  pullRequest?: PullRequestEvent;
  /** Extra environment of every step (S3 settings, OIDC request variables, ...). */
  env?: Record<string, string | undefined>;
  runId?: string;
  /** Folder for this job's machine; a fresh temporary one when absent. */
  root?: string;
  /** Name of the workspace folder under `<root>/work` (default `repo`, e.g. `proj[1]` to test escaping). */
  workspaceName?: string;
}

export interface StepOptions {
  action: ActionName;
  phase?: Phase;
  /** The step's `with:` (input names as in action.yml). */
  with?: Record<string, string>;
  /** STATE_<name> values (the post step gets the main step's). */
  state?: Record<string, string>;
  /** Extra environment for this step only; undefined removes a variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Runs this script instead of the action.yml's (only to test this harness itself). */
  script?: string;
  /** Called once the process runs, with a way to signal it (e.g. SIGKILL mid-upload, like a lost runner). */
  onStart?: (signal: (signal: NodeJS.Signals) => void) => void;
}

const DEFAULT_STEP_TIMEOUT_MS = 150_000;

/** One simulated runner machine running one job. */
export class Job {
  readonly root: string;
  readonly workspace: string;
  readonly runnerTemp: string;
  readonly home: string;
  readonly eventPath: string;
  readonly repository: string;
  readonly ref: string;
  readonly baseRef: string;
  readonly eventName: string;
  readonly runId: string;
  private readonly env: Record<string, string | undefined>;
  private readonly ownsRoot: boolean;
  private stepCount = 0;

  constructor(options: JobOptions = {}) {
    this.ownsRoot = !options.root;
    this.root = options.root ?? mkdtempSync(join(tmpdir(), 'dazn-cache-e2e-'));
    this.workspace = join(this.root, 'work', options.workspaceName ?? 'repo');
    this.runnerTemp = join(this.root, 'temp');
    this.home = join(this.root, 'home');
    for (const dir of [this.workspace, this.runnerTemp, this.home, join(this.root, 'tool-cache')]) {
      mkdirSync(dir, { recursive: true });
    }
    this.repository = options.repository ?? 'dazn/cache-e2e';
    const defaultBranch = options.defaultBranch ?? 'main';
    const pr = options.pullRequest;
    this.eventName = pr ? 'pull_request' : 'push';
    this.ref = pr ? `refs/pull/${pr.number}/merge` : (options.ref ?? `refs/heads/${defaultBranch}`);
    this.baseRef = pr ? pr.base : '';
    this.runId = options.runId ?? String(1_000_000 + Math.floor(Math.random() * 8_000_000));
    const [owner, name] = this.repository.split('/');
    const repositoryPayload = {
      id: 4242,
      name,
      full_name: this.repository,
      owner: { login: owner },
      default_branch: defaultBranch,
    };
    const payload = pr
      ? {
          action: 'synchronize',
          number: pr.number,
          pull_request: {
            number: pr.number,
            head: { ref: pr.head, sha: 'a'.repeat(40) },
            base: { ref: pr.base, sha: 'b'.repeat(40), repo: repositoryPayload },
          },
          repository: repositoryPayload,
        }
      : { ref: this.ref, repository: repositoryPayload };
    this.eventPath = join(this.runnerTemp, '_github_workflow', 'event.json');
    mkdirSync(dirname(this.eventPath), { recursive: true });
    writeFileSync(this.eventPath, JSON.stringify(payload));
    this.env = {
      GITHUB_HEAD_REF: pr ? pr.head : '',
      ...options.env,
    };
  }

  /** Environment the runner gives every step of this job (before inputs and file commands). */
  baseEnv(): Record<string, string> {
    const refName = this.ref.replace(/^refs\/(heads|tags)\//, '');
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: this.home,
      LANG: 'C.UTF-8',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: this.workspace,
      GITHUB_REPOSITORY: this.repository,
      GITHUB_REPOSITORY_OWNER: this.repository.split('/')[0],
      GITHUB_REF: this.ref,
      GITHUB_REF_NAME: refName,
      GITHUB_REF_TYPE: 'branch',
      GITHUB_BASE_REF: this.baseRef,
      GITHUB_EVENT_NAME: this.eventName,
      GITHUB_EVENT_PATH: this.eventPath,
      GITHUB_RUN_ID: this.runId,
      GITHUB_RUN_NUMBER: '7',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SHA: 'c'.repeat(40),
      GITHUB_JOB: 'build',
      GITHUB_WORKFLOW: 'e2e',
      GITHUB_ACTOR: 'dazn-bot',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'e2e-runner',
      RUNNER_ENVIRONMENT: 'self-hosted',
      RUNNER_TEMP: this.runnerTemp,
      RUNNER_TOOL_CACHE: join(this.root, 'tool-cache'),
      ...this.env,
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  /** Runs one step of one of the shipped actions as a separate node process. */
  async step(options: StepOptions): Promise<StepResult> {
    const phase = options.phase ?? 'main';
    const meta = readActionMetadata(options.action);
    const script = options.script ?? (phase === 'main' ? meta.main : meta.post);
    if (!script) throw new Error(`${options.action}/action.yml has no ${phase} step`);
    if (!existsSync(script)) throw new Error(`bundle ${script} is missing: run npm run build`);

    const n = ++this.stepCount;
    const commandDir = join(this.runnerTemp, '_runner_file_commands');
    mkdirSync(commandDir, { recursive: true });
    const files = {
      GITHUB_OUTPUT: join(commandDir, `set_output_${n}_${randomUUID()}`),
      GITHUB_STATE: join(commandDir, `save_state_${n}_${randomUUID()}`),
      GITHUB_ENV: join(commandDir, `set_env_${n}_${randomUUID()}`),
      GITHUB_PATH: join(commandDir, `add_path_${n}_${randomUUID()}`),
      GITHUB_STEP_SUMMARY: join(commandDir, `step_summary_${n}_${randomUUID()}`),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');

    const inputs: Record<string, string> = {};
    for (const [name, input] of meta.inputs) {
      if (input.default !== undefined) inputs[name] = input.default;
    }
    Object.assign(inputs, options.with ?? {});
    const inputEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(inputs)) {
      inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    }
    const stateEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.state ?? {})) stateEnv[`STATE_${name}`] = value;

    const merged: Record<string, string | undefined> = {
      ...this.baseEnv(),
      ...inputEnv,
      ...stateEnv,
      ...files,
      GITHUB_ACTION: `__dazn_cache_${n}`,
      GITHUB_ACTION_PATH: meta.dir,
      GITHUB_ACTION_REPOSITORY: 'dazn/cache',
      GITHUB_ACTION_REF: 'v1',
      ...options.env,
    };
    const env = Object.fromEntries(
      Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined),
    );

    const started = Date.now();
    const child = spawn(nodeBinary(), [script], {
      cwd: this.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onStart?.((sig) => child.kill(sig));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('close', (code, sig) => done([code, sig]));
    }).finally(() => clearTimeout(timer));

    const outputFile = readFileSync(files.GITHUB_OUTPUT, 'utf8');
    const stateFile = readFileSync(files.GITHUB_STATE, 'utf8');
    const { commands, lines } = parseWorkflowCommands(stdout);
    const messages = (name: string): string[] =>
      commands.filter((c) => c.command === name).map((c) => c.message);
    return {
      action: options.action,
      phase,
      exitCode,
      signal,
      timedOut,
      stdout,
      stderr,
      outputs: parseKeyValueFile(outputFile),
      state: parseKeyValueFile(stateFile),
      outputFile,
      stateFile,
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      commands,
      lines,
      warnings: messages('warning'),
      errors: messages('error'),
      notices: messages('notice'),
      debugs: messages('debug'),
      masks: messages('add-mask'),
      durationMs: Date.now() - started,
    };
  }

  /** Removes this job's machine folder (when the job created it). */
  cleanup(): void {
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }
}

export interface JobRun {
  main: StepResult;
  /** Undefined when the post step did not run (the main step or an earlier step failed). */
  post: StepResult | undefined;
}

export interface RunJobOptions {
  with: Record<string, string>;
  /** Inputs of the post step, when a workflow's expressions evaluate differently there. */
  postWith?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** The steps of the job between main and post (e.g. the build that fills the cached folder). */
  between?: () => Promise<void> | void;
  /** Simulates a failing step between main and post: `post-if: success()` then skips the post step. */
  jobFails?: boolean;
  timeoutMs?: number;
}

/** Runs action.yml's main step, the job's own steps, then the post step when the job succeeded. */
export async function runJob(job: Job, options: RunJobOptions): Promise<JobRun> {
  const meta = readActionMetadata('cache');
  if (meta.postIf !== 'success()')
    throw new Error(`action.yml post-if is ${meta.postIf}, expected success()`);
  const main = await job.step({
    action: 'cache',
    phase: 'main',
    with: options.with,
    env: options.env,
    timeoutMs: options.timeoutMs,
  });
  if (main.exitCode !== 0 || main.timedOut) return { main, post: undefined };
  await options.between?.();
  if (options.jobFails) return { main, post: undefined };
  const post = await job.step({
    action: 'cache',
    phase: 'post',
    with: options.postWith ?? options.with,
    state: main.state,
    env: options.env,
    timeoutMs: options.timeoutMs,
  });
  return { main, post };
}
