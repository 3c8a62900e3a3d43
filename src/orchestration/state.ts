/**
 * Where the primary key and the matched key go. action.yml's main step records them for its post
 * step (state) and as outputs; restore/ and save/ only have outputs and no state.
 */
import type { ActionIO } from './io';

export enum State {
  PrimaryKey = 'CACHE_KEY',
  MatchedKey = 'CACHE_RESULT',
}

export enum Outputs {
  CacheHit = 'cache-hit',
  PrimaryKey = 'cache-primary-key',
  MatchedKey = 'cache-matched-key',
}

const outputOf: Record<State, Outputs> = {
  [State.PrimaryKey]: Outputs.PrimaryKey,
  [State.MatchedKey]: Outputs.MatchedKey,
};

export interface StateProvider {
  setState(name: State, value: string): void;
  getState(name: State): string;
}

/** action.yml: state for the post step, and outputs. */
export class PostStepStateProvider implements StateProvider {
  constructor(private readonly io: ActionIO) {}
  setState(name: State, value: string): void {
    this.io.saveState(name, value);
    this.io.setOutput(outputOf[name], value);
  }
  getState(name: State): string {
    return this.io.getState(name);
  }
}

/** restore/ and save/: outputs only; nothing is carried to a later step. */
export class OutputsStateProvider implements StateProvider {
  constructor(private readonly io: ActionIO) {}
  setState(name: State, value: string): void {
    this.io.setOutput(outputOf[name], value);
  }
  getState(): string {
    return '';
  }
}
