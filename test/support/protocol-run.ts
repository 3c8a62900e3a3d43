/**
 * Runs test/support/protocol-driver.ts in a child process with a clean environment, against
 * either implementation of the runner protocol. The driver and src/runner/ are transpiled once
 * into a temporary folder (the child runs plain node, as a step does); packages resolve from
 * this checkout's node_modules.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ts from 'typescript';
import type { Plan, StepResult } from './protocol-driver';

const ROOT = resolve(__dirname, '../..');
const SOURCES = [
  'src/runner/workflow.ts',
  'src/runner/id-token.ts',
  'src/runner/lazy.ts',
  'test/support/protocol-driver.ts',
];
/** A child that has not finished by then is killed and the run fails, milliseconds. */
const CHILD_TIMEOUT_MS = 30_000;

export type Impl = 'ours' | 'core';

export interface Run {
  stdout: Buffer;
  stderr: string;
  exitCode: number | null;
  results: StepResult[];
}

export class ProtocolRunner {
  private readonly dir = mkdtempSync(join(tmpdir(), 'protocol-'));
  private count = 0;

  constructor() {
    for (const file of SOURCES) {
      const out = join(this.dir, 'js', file.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      const { outputText } = ts.transpileModule(readFileSync(join(ROOT, file), 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
        fileName: file,
      });
      writeFileSync(out, outputText);
    }
  }

  /** A fresh empty folder for one run's files. */
  folder(): string {
    this.count += 1;
    const folder = join(this.dir, `run-${this.count}`);
    mkdirSync(folder);
    return folder;
  }

  run(impl: Impl, plan: Plan, env: Record<string, string> = {}): Promise<Run> {
    const folder = this.folder();
    const planFile = join(folder, 'plan.json');
    const resultFile = join(folder, 'result.json');
    writeFileSync(planFile, JSON.stringify(plan));
    const driver = join(this.dir, 'js', 'test/support/protocol-driver.js');
    return new Promise((resolvePromise, reject) => {
      // Only what a step needs: no proxy variables, no GITHUB_* of the machine running the tests.
      const child = spawn(process.execPath, [driver, impl, planFile, resultFile], {
        env: { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
      child.on('error', reject);
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        if (signal)
          return reject(
            new Error(`${impl} driver killed by ${signal} (over ${CHILD_TIMEOUT_MS} ms?): ${err}`),
          );
        if (exitCode === 2) return reject(new Error(`${impl} driver failed: ${err}`));
        let results: StepResult[];
        try {
          results = JSON.parse(readFileSync(resultFile, 'utf8')) as StepResult[];
        } catch (error) {
          return reject(new Error(`${impl} driver wrote no result (${(error as Error).message}): ${err}`));
        }
        resolvePromise({ stdout: Buffer.concat(out), stderr: err, exitCode, results });
      });
    });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
