/**
 * What GitHub refuses, and with which words. Each constant names the documentation page (or, where
 * GitHub does not document the text, the public report that shows GitHub's answer) it was written from.
 * The fake GitHub (fake-github.ts) and its tests share these, so a test asserts GitHub's text, not ours.
 */

export const DOCS = {
  /** iat/exp/iss, RS256, "no more than 10 minutes into the future", iat 60 s in the past recommended. */
  jwt: 'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app',
  /** Installation access tokens expire after one hour. */
  installationToken:
    'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-an-installation-access-token-for-a-github-app',
  /** x-ratelimit-* headers; primary limit 403/429 with remaining 0; secondary limit 403/429 with retry-after. */
  rateLimits: 'https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api',
  /** X-GitHub-Api-Version; an unsupported version is answered 400; no header means 2022-11-28. */
  apiVersions: 'https://docs.github.com/en/rest/about-the-rest-api/api-versions',
  /** User-Agent required; requests without it are rejected. */
  userAgent:
    'https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent',
  /** generate-jitconfig, list/get/delete runners, registration and remove tokens, runner groups. */
  selfHostedRunners: 'https://docs.github.com/en/rest/actions/self-hosted-runners',
  runnerGroups: 'https://docs.github.com/en/rest/actions/self-hosted-runner-groups',
  /** GET a job, list jobs of a run, list runs with ?status=queued. */
  workflowJobs: 'https://docs.github.com/en/rest/actions/workflow-jobs',
  workflowRuns: 'https://docs.github.com/en/rest/actions/workflow-runs',
  /** workflow_job payload: action queued/in_progress/completed, workflow_job.labels, runner_name, runner_id. */
  workflowJobEvent: 'https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_job',
  /** X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the raw body with the webhook secret. */
  webhookSignature: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
  /** X-GitHub-Event, X-GitHub-Delivery (a GUID), X-GitHub-Hook-ID, ... */
  webhookHeaders: 'https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers',
  /** GET /app/hook/deliveries (cursor pagination), GET one, POST .../attempts to redeliver. */
  appWebhookDeliveries: 'https://docs.github.com/en/rest/apps/webhooks',
  /** Failed deliveries are not redelivered automatically; only deliveries of the past 3 days can be redelivered. */
  handlingFailedDeliveries:
    'https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries',
  /** "Respond within 10 seconds" or GitHub terminates the connection and marks the delivery a failure. */
  webhookBestPractices:
    'https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks#respond-within-10-seconds',
  /** Just-in-time runners: one job, then removed; a JIT config registers exactly one runner. */
  jitRunners:
    'https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-just-in-time-runners',
  /** Runners below the minimum version cannot receive jobs; ephemeral runners offline > 1 day are removed. */
  selfHostedRunnerReference: 'https://docs.github.com/en/actions/reference/runners/self-hosted-runners',
  /** Usage limits: job queue time 24 h, 10,000 runners per runner group. */
  selfHostedLimits: 'https://docs.github.com/en/actions/reference/runners/self-hosted-runners#usage-limits',
  /** GET /rate_limit: does not count against the primary limit. */
  rateLimitEndpoint: 'https://docs.github.com/en/rest/rate-limit/rate-limit',
  /** A job goes to a runner that has all the labels in runs-on (labels are case-insensitive). */
  runsOnLabels:
    'https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/using-self-hosted-runners-in-a-workflow',
  /** "Resource not accessible by integration": the App lacks the permission for the endpoint. */
  appPermissions: 'https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps',
} as const;

/** The documentation_url GitHub puts on authentication errors. */
export const REST_DOCS_ROOT = 'https://docs.github.com/rest';

/** REST API versions GitHub serves (2026-03-10 announced in the changelog 2026-03-12; 2022-11-28 stays 24 months). */
export const SUPPORTED_API_VERSIONS = ['2022-11-28', '2026-03-10'] as const;
export const DEFAULT_API_VERSION = '2022-11-28';

/** JWT limits (DOCS.jwt): exp at most 10 minutes ahead; iat may lead the server by GitHub's drift allowance. */
export const JWT_MAX_LIFETIME_S = 600;
/** GitHub's docs recommend iat 60 s in the past "to protect against clock drift"; the fake allows 60 s of lead. */
export const JWT_IAT_FUTURE_ALLOWANCE_S = 60;

/** Installation access tokens and registration/remove tokens: one hour (DOCS.installationToken, DOCS.selfHostedRunners). */
export const INSTALLATION_TOKEN_TTL_MS = 60 * 60 * 1000;
export const REGISTRATION_TOKEN_TTL_MS = 60 * 60 * 1000;

/** Primary limit for an installation: 5,000 requests per hour (DOCS.rateLimits). */
export const DEFAULT_RATE_LIMIT = { limit: 5000, windowMs: 60 * 60 * 1000 };
/** Unauthenticated requests: 60 per hour, per IP (DOCS.rateLimits). */
export const UNAUTHENTICATED_RATE_LIMIT = 60;
/** Secondary limits (DOCS.rateLimits): no more than 100 concurrent requests; 900 points per minute, GET 1, writes 5. */
export const SECONDARY_MAX_CONCURRENT = 100;
export const SECONDARY_POINTS_PER_MINUTE = 900;
/** "Otherwise, wait for at least one minute before retrying" (DOCS.rateLimits): the fake's retry-after, in s. */
export const SECONDARY_RETRY_AFTER_S = 60;

/** generate-jitconfig: labels minItems 1, maxItems 100 (DOCS.selfHostedRunners). */
export const JIT_LABELS_MIN = 1;
export const JIT_LABELS_MAX = 100;
/**
 * Runner names: GitHub does not document a limit for the API; the runner's own `config.sh` and this
 * project's INTERFACE.md use at most 64 characters of [A-Za-z0-9._-]. The fake refuses anything else so a
 * name that might be refused or mangled by GitHub fails in tests first.
 */
export const RUNNER_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** GitHub refuses runners older than this to receive jobs (changelog 2025-12-12: v2.329.0 minimum). */
export const DEFAULT_MINIMUM_RUNNER_VERSION = '2.329.0';

/** Ephemeral runners that have not connected for more than 1 day are removed (DOCS.selfHostedRunnerReference). */
export const EPHEMERAL_OFFLINE_REMOVAL_MS = 24 * 60 * 60 * 1000;
/** A job for self-hosted runners can be queued for at most 24 hours, then it is terminated (DOCS.selfHostedLimits). */
export const JOB_QUEUE_LIMIT_MS = 24 * 60 * 60 * 1000;
/** GitHub waits 10 s for the webhook endpoint to answer, then marks the delivery failed (DOCS.webhookBestPractices). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Deliveries can be redelivered for 3 days (DOCS.handlingFailedDeliveries). */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/** GitHub's words. */
export const MESSAGES = {
  // Seen in GitHub's answers quoted in octokit/auth-app.js#698, probot#942, github3.py#1050, create-github-app-token#153.
  jwtUndecodable: 'A JSON web token could not be decoded',
  jwtExpTooFar: "'Expiration time' claim ('exp') is too far in the future",
  jwtExpInvalid:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  jwtIatInvalid:
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  badCredentials: 'Bad credentials',
  requiresAuthentication: 'Requires authentication',
  notFound: 'Not Found',
  notAccessible: 'Resource not accessible by integration',
  // GitHub answers a request without User-Agent with this text (403, plain text).
  userAgentRequired:
    'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.',
  unsupportedApiVersion: (v: string) =>
    `The '${v}' API version is not supported. Supported versions: ${SUPPORTED_API_VERSIONS.join(', ')}.`,
  primaryRateLimit: (installationId: number) =>
    `API rate limit exceeded for installation ID ${installationId}.`,
  secondaryRateLimit:
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
  // 409 from generate-jitconfig, quoted in ubicloud#692 and runs-on#33 ("Already exists - A runner with the name *** already exists.").
  runnerNameExists: (name: string) => `Already exists - A runner with the name ${name} already exists.`,
  // 422 from DELETE runner while it runs a job, quoted in actions-runner-controller (runner_graceful_stop.go).
  runnerBusy: (name: string) => `Bad request - Runner "${name}" is still running a job"`,
  serviceUnavailable: 'Service Unavailable',
  validationFailed: 'Validation Failed',
} as const;

/**
 * What the runner binary prints when GitHub refuses it (actions/runner issues #1991, #4305, #971, #1603).
 * connectRunner() throws these texts so the runner image's tests can expect the real lines.
 */
export const RUNNER_MESSAGES = {
  versionDeprecated: (v: string) =>
    `An error occured: Runner version v${v} is deprecated and cannot receive messages.`,
  registrationDeleted:
    'Failed to create a session. The runner registration has been deleted from the server, please re-configure.',
  sessionExists: 'A session for this runner already exists.',
  invalidJitConfig: (why: string) => `An error occurred: the JIT configuration could not be read (${why}).`,
  registrationTokenExpired:
    "Http response code: NotFound from 'POST https://api.github.com/actions/runner-registration'",
} as const;

/** Compares dotted versions numerically ("2.330.0" > "2.329.9"); returns <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .replace(/^v/, '')
    .split('.')
    .map((p) => Number.parseInt(p, 10));
  const pb = b
    .replace(/^v/, '')
    .split('.')
    .map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
    if (x !== y) return x - y;
  }
  return 0;
}

/** GitHub's routing rule (DOCS.runsOnLabels): every label of the job is a label of the runner, case-insensitive. */
export function runnerServesJob(runnerLabels: readonly string[], jobLabels: readonly string[]): boolean {
  const have = new Set(runnerLabels.map((l) => l.toLowerCase()));
  return jobLabels.every((l) => have.has(l.toLowerCase()));
}
