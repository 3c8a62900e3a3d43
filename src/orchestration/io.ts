/**
 * What a step reads from and writes to the runner, as one interface: the real one is
 * runner/workflow.ts; integration tests pass a recording one.
 */
import * as runner from '../runner/workflow';
import { appendFileSync } from 'node:fs';
import type { Logger } from '../logging/logger';

export interface ActionIO extends Logger {
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  setFailed(message: string): void;
  /** Appends a Markdown line to the job summary ($GITHUB_STEP_SUMMARY), if there is one. */
  summary(path: string | undefined, line: string): void;
}

export function actionsIO(): ActionIO {
  return {
    debug: (message) => runner.debug(message),
    info: (message) => runner.info(message),
    warning: (message) => runner.warning(message),
    setOutput: (name, value) => runner.setOutput(name, value),
    saveState: (name, value) => runner.saveState(name, value),
    getState: (name) => runner.getState(name),
    setFailed: (message) => runner.setFailed(message),
    summary: (path, line) => {
      if (!path) return;
      try {
        appendFileSync(path, `${line}\n`);
      } catch (error) {
        runner.debug(`Could not write the job summary: ${(error as Error).message}`);
      }
    },
  };
}
