/** The restore step, shared by action.yml (main) and restore/action.yml. */
import { CacheSettings, debugSettings } from '../config/settings';
import { CacheMissError } from '../errors/errors';
import { applyFailurePolicy, describeError, failsStep } from '../errors/policy';
import type { CacheBackend, RestoreOutcome } from './backend';
import type { ActionIO } from './io';
import { Outputs, State, StateProvider } from './state';
import { restoreSummary } from './summary';

export const SAVE_ALWAYS_WARNING =
  'save-always does not work as intended and will be removed in a future release. A separate `dazn/cache/restore` step should be used instead (see https://github.com/actions/cache/tree/main/save#always-save-cache).';

export interface StepDeps {
  io: ActionIO;
  readSettings(): CacheSettings;
  backend(settings: CacheSettings): CacheBackend;
}

export async function restoreImpl(state: StateProvider, deps: StepDeps): Promise<string | undefined> {
  const { io } = deps;
  let bucket: string | undefined;
  try {
    const settings = deps.readSettings();
    bucket = settings.s3?.bucket;
    debugSettings(settings, io.debug);
    state.setState(State.PrimaryKey, settings.primaryKey);
    if (settings.saveAlways) io.warning(SAVE_ALWAYS_WARNING);

    let outcome: RestoreOutcome | undefined;
    try {
      outcome = await deps.backend(settings).restore(settings);
    } catch (error) {
      if (failsStep(error)) throw error;
      io.warning(`Failed to restore: ${describeError(error, bucket)}`);
    }
    io.summary(settings.github.stepSummaryPath, restoreSummary(settings, outcome));
    if (!outcome) {
      if (settings.failOnCacheMiss) {
        throw new CacheMissError(
          `Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${settings.primaryKey}`,
        );
      }
      io.info(`Cache not found for input keys: ${[settings.primaryKey, ...settings.restoreKeys].join(', ')}`);
      return undefined;
    }
    state.setState(State.MatchedKey, outcome.matchedKey);
    io.setOutput(Outputs.CacheHit, String(outcome.matchedKey === settings.primaryKey));
    io.info(
      settings.lookupOnly
        ? `Cache found and can be restored from key: ${outcome.matchedKey}`
        : `Cache restored from key: ${outcome.matchedKey}`,
    );
    return outcome.matchedKey;
  } catch (error) {
    applyFailurePolicy(error, io, 'Failed to restore', bucket);
    return undefined;
  }
}
