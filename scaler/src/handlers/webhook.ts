/** Lambda entry point of the webhook (function URL, payload format 2.0). */
import { verify } from '@octokit/webhooks-methods';
import { createLogger } from '../log';
import { type FunctionUrlEvent, type FunctionUrlResult, WEBHOOK_BUDGET_MS, handleWebhook } from '../webhook';
import { createInstance, type Instance } from '../wiring';

const log = createLogger(undefined, { component: 'webhook' });
let instance: Promise<Instance> | undefined;

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const startedAt = performance.now(); // monotonic: budgets do not follow the wall clock
  let ready: Instance;
  try {
    ready = await (instance ??= createInstance('webhook', log));
  } catch (error) {
    instance = undefined; // the next invocation tries again
    log.error('webhook cannot start', { error });
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: '{"error":"scaler misconfigured"}',
    };
  }
  ready.setDeadline(startedAt + WEBHOOK_BUDGET_MS);
  return handleWebhook({ ...ready.deps, webhookSecret: ready.webhookSecret, verify }, event, startedAt);
}
