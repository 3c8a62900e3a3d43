/** Lambda entry point of the reconciler (EventBridge schedule, every minute). */
import { createLogger } from '../log';
import { type ReconcileReport, reconcile } from '../reconciler';
import { createInstance, type Instance } from '../wiring';

const log = createLogger(undefined, { component: 'reconciler' });
let instance: Promise<Instance> | undefined;

/** Kept free before the function's timeout for the final log line, ms. */
const SAFETY_MS = 5_000;
/** Budget without a Lambda context (tests), ms. */
const DEFAULT_BUDGET_MS = 50_000;

interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
}

export async function handler(_event: unknown, context?: LambdaContext): Promise<ReconcileReport> {
  const startedAt = performance.now();
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS + SAFETY_MS;
  const deadline = startedAt + Math.max(remaining - SAFETY_MS, 1_000);
  let ready: Instance;
  try {
    ready = await (instance ??= createInstance('reconciler', log));
  } catch (error) {
    instance = undefined;
    log.error('reconciler cannot start', { error });
    throw error;
  }
  ready.setDeadline(deadline);
  return reconcile(ready.deps, deadline);
}
