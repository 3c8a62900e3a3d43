/** Wires the real runner, settings and backends for the entry points. */
import { CacheSettings, readSettings, StepKind } from '../config/settings';
import { actionsCredentialsDeps } from '../credentials/sts';
import type { CacheBackend, StepDeps } from './backend';
import { GitHubCacheBackend } from './github-backend';
import { messages } from './messages';
import { actionsIO, ActionIO } from './io';
import { restoreImpl } from './restore';
import { S3Backend } from './s3-backend';
import { saveImpl } from './save';
import { OutputsStateProvider, PostStepStateProvider, StateProvider } from './state';

export function chooseBackend(settings: CacheSettings, io: ActionIO): CacheBackend {
  if (settings.s3) return new S3Backend(settings.s3, io, actionsCredentialsDeps);
  io.info(messages.fallback);
  return new GitHubCacheBackend(io);
}

function deps(kind: StepKind): { io: ActionIO; deps: StepDeps } {
  const io = actionsIO();
  return {
    io,
    deps: { io, readSettings: () => readSettings(kind), backend: (settings) => chooseBackend(settings, io) },
  };
}

/** Entry: 'restore' (action.yml main), 'restore-only', 'save' (action.yml post), 'save-only'. */
export async function run(entry: 'restore' | 'restore-only' | 'save' | 'save-only'): Promise<void> {
  const kind: StepKind = entry.startsWith('restore') ? 'restore' : 'save';
  const { io, deps: stepDeps } = deps(kind);
  const state: StateProvider = entry.endsWith('-only')
    ? new OutputsStateProvider(io)
    : new PostStepStateProvider(io);
  if (kind === 'restore') await restoreImpl(state, stepDeps);
  else await saveImpl(state, stepDeps);
}
