/** The restore step, shared by action.yml (main) and restore/action.yml. */
import { debugSettings } from '../config/settings';
import { CacheMissError } from '../errors/errors';
import { isExactKeyMatch } from '../matching/match';
import { applyFailurePolicy, describeError, failsStep } from '../errors/policy';
import type { RestoreOutcome, StepDeps } from './backend';
import { messages } from './messages';
import { Outputs, State, StateProvider } from './state';
import { restoreSummary } from './summary';

export async function restoreImpl(state: StateProvider, deps: StepDeps): Promise<string | undefined> {
  const { io } = deps;
  let bucket: string | undefined;
  try {
    const settings = deps.readSettings();
    bucket = settings.s3?.bucket;
    debugSettings(settings, io.debug);
    state.setState(State.PrimaryKey, settings.primaryKey);
    if (settings.saveAlways) io.warning(messages.saveAlways);

    let outcome: RestoreOutcome | undefined;
    try {
      outcome = await deps.backend(settings).restore(settings);
    } catch (error) {
      if (failsStep(error)) throw error;
      io.warning(messages.restoreFailed(describeError(error, bucket)));
    }
    io.summary(settings.github.stepSummaryPath, restoreSummary(settings, outcome));
    if (!outcome) {
      if (settings.failOnCacheMiss) {
        throw new CacheMissError(messages.cacheMiss(settings.primaryKey));
      }
      io.info(messages.notFound([settings.primaryKey, ...settings.restoreKeys]));
      return undefined;
    }
    state.setState(State.MatchedKey, outcome.matchedKey);
    io.setOutput(Outputs.CacheHit, String(isExactKeyMatch(settings.primaryKey, outcome.matchedKey)));
    io.info(messages.restored(outcome.matchedKey, settings.lookupOnly));
    return outcome.matchedKey;
  } catch (error) {
    applyFailurePolicy(error, io, 'Failed to restore', bucket);
    return undefined;
  }
}
