/**
 * The webhook behind a Lambda function URL (payload format 2.0). GitHub waits 10 s for an answer, so
 * all work is bounded to WEBHOOK_BUDGET_MS; what does not fit is left as a pending job for the
 * reconciler. Answers: 401 bad or missing signature, 400 unreadable delivery, 2xx otherwise (also for
 * redeliveries and jobs no pool serves), 500 when the state store failed (GitHub shows it as failed and
 * the reconciler replays it).
 */
import { processJobEvent, parseWorkflowJob } from './jobs';
import type { Deps } from './start-runner';

export interface FunctionUrlEvent {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookDeps extends Deps {
  webhookSecret: string;
  /** @octokit/webhooks-methods verify: constant-time comparison of the HMAC. */
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
}

/** Work budget of one delivery, ms: GitHub gives up at 10 s; keep room for a cold start's answer. */
export const WEBHOOK_BUDGET_MS = 7_000;

function answer(statusCode: number, body: Record<string, unknown>): FunctionUrlResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export async function handleWebhook(
  deps: WebhookDeps,
  event: FunctionUrlEvent,
  startedAt: number,
): Promise<FunctionUrlResult> {
  const { log, state } = deps;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[key.toLowerCase()] = value;
  const method = event.requestContext?.http?.method ?? 'POST';
  if (method !== 'POST') return answer(405, { error: 'GitHub webhooks are POST requests' });

  const body = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  const signature = headers['x-hub-signature-256'];
  const delivery = headers['x-github-delivery'] ?? '';
  const kind = headers['x-github-event'] ?? '';
  let valid = false;
  if (signature) {
    try {
      valid = await deps.verify(deps.webhookSecret, body, signature);
    } catch {
      valid = false; // a malformed signature header
    }
  }
  if (!valid) {
    log.warn(
      'webhook signature missing or wrong: check that the App webhook secret equals the WEBHOOK_SECRET_ARN secret',
      {
        delivery,
        event: kind,
      },
    );
    return answer(401, { error: 'signature does not match' });
  }
  if (kind === 'ping') return answer(200, { result: 'pong' });
  if (kind !== 'workflow_job')
    return answer(200, { result: 'ignored', reason: `event ${kind} is not workflow_job` });
  if (!delivery) return answer(400, { error: 'X-GitHub-Delivery header missing' });

  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return answer(400, { error: 'body is not JSON' });
  }
  const job = parseWorkflowJob(payload);
  if (!job) return answer(400, { error: 'not a workflow_job payload' });

  try {
    if (!(await state.claimDelivery(delivery))) {
      log.info('redelivery ignored', { delivery, job: job.jobId, action: job.action });
      return answer(200, { result: 'duplicate' });
    }
  } catch (error) {
    log.error('state table unavailable', { delivery, error });
    return answer(500, { error: 'state unavailable' });
  }
  try {
    const result = await processJobEvent(deps, job, startedAt + WEBHOOK_BUDGET_MS);
    return answer(200, { result, job: job.jobId });
  } catch (error) {
    // Let a redelivery (or the reconciler's replay) try again.
    await state.forgetDelivery(delivery).catch(() => undefined);
    log.error('workflow_job delivery failed', { delivery, job: job.jobId, action: job.action, error });
    return answer(500, { error: 'processing failed' });
  }
}
