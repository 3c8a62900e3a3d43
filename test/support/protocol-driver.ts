/**
 * Runs one plan of runner-protocol calls in a process of its own, through either this project's
 * src/runner/workflow.ts ("ours") or the real @actions/core ("core"), so that a test can compare
 * what each writes to stdout and to the runner's files and what each returns.
 *
 *   node protocol-driver.js <ours|core> <plan.json> <result.json>
 *
 * Both read process.env and write process.stdout, as in a step. Two things are compressed in
 * time, the same for both, and recorded: the retry backoff (each wait's length is recorded and
 * the wait skipped) and the time a request may go unanswered (plan.requestTimeoutMs).
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface PlanStep {
  call: keyof Protocol;
  args: unknown[];
  /** Set (string) or remove (null) environment variables before the call. */
  env?: Record<string, string | null>;
  /** Written to stdout before the step, so the test can cut stdout per step. */
  marker?: string;
}

export interface Plan {
  steps: PlanStep[];
  /** How long a request may go unanswered, milliseconds (core's default is 3 minutes). */
  requestTimeoutMs?: number;
}

export interface StepResult {
  value?: unknown;
  /** A thrown error: its class name, message and own fields (ours: kind and status). */
  error?: { name: string; message: string; fields: Record<string, unknown> };
  /** Backoff waits asked for during the step, milliseconds. */
  sleeps: number[];
  /** process.env after the step, for the names the step's args name. */
  envAfter: Record<string, string | null>;
}

/** The part of @actions/core's surface this project writes itself. */
export interface Protocol {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
  notice(message: string, properties?: Record<string, unknown>): void;
  startGroup(name: string): void;
  endGroup(): void;
  setSecret(secret: string): void;
  setFailed(message: string): void;
  getInput(name: string, options?: Record<string, unknown>): string;
  getMultilineInput(name: string, options?: Record<string, unknown>): string[];
  getBooleanInput(name: string, options?: Record<string, unknown>): boolean;
  getState(name: string): string;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  exportVariable(name: string, value: string): void;
  getIDToken(audience: string): Promise<string>;
}

type Prototype = Record<string, (this: Record<string, unknown>, ...args: unknown[]) => unknown>;

/* eslint-disable @typescript-eslint/no-require-imports -- the driver loads the implementation it is told to */
function core(plan: Plan, sleeps: number[]): Protocol {
  const client = require('@actions/http-client') as { HttpClient: { prototype: Prototype } };
  const proto = client.HttpClient.prototype;
  const backoff = proto._performExponentialBackoff;
  // The backoff computes its wait and calls setTimeout synchronously: record the wait, skip it.
  proto._performExponentialBackoff = function (this: Record<string, unknown>, ...args: unknown[]) {
    const real = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      sleeps.push(ms);
      return real(fn, 0);
    }) as typeof setTimeout;
    try {
      return backoff.apply(this, args);
    } finally {
      globalThis.setTimeout = real;
    }
  };
  const raw = proto.requestRawWithCallback;
  proto.requestRawWithCallback = function (this: Record<string, unknown>, ...args: unknown[]) {
    if (plan.requestTimeoutMs) this._socketTimeout = plan.requestTimeoutMs;
    return raw.apply(this, args);
  };
  return require('@actions/core') as Protocol;
}

function ours(plan: Plan, sleeps: number[]): Protocol {
  const runner = require('../../src/runner/workflow') as typeof import('../../src/runner/workflow');
  return {
    debug: (m) => runner.debug(m),
    info: (m) => runner.info(m),
    warning: (m, p) => runner.warning(m, p),
    error: (m, p) => runner.error(m, p),
    notice: (m, p) => runner.notice(m, p),
    startGroup: (n) => runner.startGroup(n),
    endGroup: () => runner.endGroup(),
    setSecret: (s) => runner.setSecret(s),
    setFailed: (m) => runner.setFailed(m),
    getInput: (n, o) => runner.getInput(n, o),
    getMultilineInput: (n, o) => runner.getMultilineInput(n, o),
    getBooleanInput: (n, o) => runner.getBooleanInput(n, o),
    getState: (n) => runner.getState(n),
    setOutput: (n, v) => runner.setOutput(n, v),
    saveState: (n, v) => runner.saveState(n, v),
    exportVariable: (n, v) => runner.exportVariable(n, v),
    getIDToken: (a) =>
      runner.getIDToken(a, process.env, {
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        requestTimeoutMs: plan.requestTimeoutMs,
      }),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

async function main(): Promise<void> {
  const [impl, planFile, resultFile] = process.argv.slice(2);
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  const record: number[] = [];
  const protocol = impl === 'core' ? core(plan, record) : ours(plan, record);
  const results: StepResult[] = [];
  for (const step of plan.steps) {
    for (const [name, value] of Object.entries(step.env ?? {})) {
      if (value === null) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    if (step.marker) process.stdout.write(`${step.marker}\n`);
    record.length = 0;
    const result: StepResult = { sleeps: [], envAfter: {} };
    try {
      const method = protocol[step.call] as unknown as (...args: unknown[]) => unknown;
      result.value = await method(...step.args);
    } catch (error) {
      const { name, message } = error as Error;
      result.error = { name, message, fields: { ...(error as object) } };
    }
    result.sleeps = [...record];
    for (const arg of step.args) {
      if (typeof arg === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(arg))
        result.envAfter[arg] = process.env[arg] ?? null;
    }
    results.push(result);
  }
  writeFileSync(resultFile, JSON.stringify(results));
}

main().catch((error: unknown) => {
  process.stderr.write(`driver failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(2);
});
