/** The save step, shared by action.yml (post) and save/action.yml. */
import { debugSettings } from '../config/settings';
import { applyFailurePolicy } from '../errors/policy';
import { validatePrimaryKey } from '../config/keys';
import { isExactKeyMatch } from '../matching/match';
import { messages } from './messages';
import type { StepDeps } from './backend';
import { State, StateProvider } from './state';
import { saveSummary } from './summary';

export async function saveImpl(state: StateProvider, deps: StepDeps): Promise<void> {
  const { io } = deps;
  let bucket: string | undefined;
  try {
    const settings = deps.readSettings();
    bucket = settings.s3?.bucket;
    debugSettings(settings, io.debug);
    // The post step saves under the key the main step resolved, even if the input changed since.
    const primaryKey = state.getState(State.PrimaryKey) || settings.primaryKey;
    validatePrimaryKey(primaryKey);
    const restoredKey = state.getState(State.MatchedKey);
    if (isExactKeyMatch(primaryKey, restoredKey)) {
      io.info(messages.exactHitNoSave(primaryKey));
      return;
    }
    const outcome = await deps.backend(settings).save(settings, primaryKey);
    if (outcome.status === 'exists') {
      io.info(messages.exists(primaryKey));
    } else if (outcome.status === 'created') {
      io.info(messages.saved(primaryKey));
    }
    io.summary(settings.github.stepSummaryPath, saveSummary(primaryKey, outcome));
  } catch (error) {
    applyFailurePolicy(error, io, 'Failed to save', bucket);
  }
}
