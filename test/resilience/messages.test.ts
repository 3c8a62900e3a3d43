/**
 * Warnings that send the user the right way: when STS, S3 or GitHub's token service fails, the step's
 * warning names the service, the operation, the cause (the HTTP status when there was an answer) and
 * the fix. The faults come from the fault proxy in front of moto (S3 and STS) and in front of the fake
 * OIDC token service; the steps run the built bundles.
 */
import { Fault, FaultProxy, FaultRule, s3Operation, startFaultProxy } from '../support/fault-proxy';
import { expectExit, StepResult } from '../support/runner';
import { fillWorkspace, isRangedGet, Job, startWorld, stepLog, World } from './world';

jest.setTimeout(180_000);

let world: World;
let oidcProxy: FaultProxy;
const jobs: Job[] = [];
let seed = 9000;

beforeAll(async () => {
  world = await startWorld();
  oidcProxy = await startFaultProxy(new URL(world.oidc.requestUrl).origin);
});
afterAll(async () => {
  for (const job of jobs) job.cleanup();
  await oidcProxy?.stop();
  await world?.stop();
});
afterEach(() => {
  world.proxy.setRule(() => undefined);
  oidcProxy.setRule(() => undefined);
});

/** STS and the token service through fault proxies too; short request bounds. */
function newJob(prefix: string, extra: Record<string, string | undefined> = {}): Job {
  const oidcUrl = new URL(world.oidc.requestUrl);
  const job = new Job({
    env: {
      ...world.env(prefix),
      DAZN_CACHE_STS_ENDPOINT: world.proxy.endpoint,
      DAZN_CACHE_REQUEST_TIMEOUT_SECS: '2',
      ACTIONS_ID_TOKEN_REQUEST_URL: `${oidcProxy.endpoint}${oidcUrl.pathname}${oidcUrl.search}`,
      ...extra,
    },
  });
  jobs.push(job);
  return job;
}

async function savedEntry(): Promise<{ prefix: string; key: string }> {
  const prefix = world.newPrefix();
  const key = `messages-${prefix}`;
  const job = newJob(prefix);
  fillWorkspace(job.workspace, 3 * 1024 * 1024, seed++);
  const step = expectExit(await job.step({ action: 'save', with: { path: 'cached', key } }), 0);
  expect(step.warnings).toEqual([]);
  return { prefix, key };
}

async function step(
  action: 'restore' | 'save',
  prefix: string,
  key: string,
  rules: { s3?: FaultRule; oidc?: FaultRule },
  extra: Record<string, string | undefined> = {},
): Promise<StepResult> {
  const job = newJob(prefix, extra);
  if (action === 'save') fillWorkspace(job.workspace, 64 * 1024, seed++);
  world.proxy.setRule(rules.s3 ?? (() => undefined));
  oidcProxy.setRule(rules.oidc ?? (() => undefined));
  const result = await job.step({ action, with: { path: 'cached', key } });
  world.proxy.setRule(() => undefined);
  oidcProxy.setRule(() => undefined);
  return expectExit(result, 0);
}

/** The step's one warning, which must match every pattern in `says` and none in `not`. */
function warning(result: StepResult, says: RegExp[], not: RegExp[] = []): string {
  const text = result.warnings.join('\n');
  for (const pattern of says) {
    if (!pattern.test(text)) throw new Error(`the warning does not match ${pattern}\n${stepLog(result)}`);
  }
  for (const pattern of not) {
    if (pattern.test(text)) throw new Error(`the warning matches ${pattern}\n${stepLog(result)}`);
  }
  return text;
}

const sts =
  (fault: Fault): FaultRule =>
  (r) =>
    s3Operation(r) === 'STS' ? fault : undefined;

test('STS answering 403: STS refused the role; check its trust policy for this repository and ref', async () => {
  const entry = await savedEntry();
  const result = await step('restore', entry.prefix, entry.key, {
    s3: sts({ kind: 'status', status: 403, code: 'AccessDenied' }),
  });
  warning(
    result,
    [
      /^Failed to restore: STS refused the role arn:aws:iam::123456789012:role\/dazn-cache-resilience/,
      /AssumeRoleWithWebIdentity answered HTTP 403: AccessDenied: Not authorized/,
      /trust policy/,
      /repo:dazn\/cache-e2e:ref:refs\/heads\/main/,
    ],
    [/S3 access denied/, /bucket/],
  );
});

test('STS answering 500 with an HTML page: the service, the operation and the HTTP status', async () => {
  const entry = await savedEntry();
  const result = await step('restore', entry.prefix, entry.key, {
    s3: sts({ kind: 'status', status: 500, body: 'html' }),
  });
  warning(
    result,
    [
      /STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/dazn-cache-resilience failed with HTTP 500 after 5 attempts/,
      /text\/html/,
      /not of the workflow/,
    ],
    [/Unknown/],
  );
});

test('HeadObject answering 403 without a body: access denied on the existence check, and what IAM must allow', async () => {
  const prefix = world.newPrefix();
  const result = await step('save', prefix, `denied-${prefix}`, {
    s3: (r) => (s3Operation(r) === 'HeadObject' ? { kind: 'status', status: 403, body: 'empty' } : undefined),
  });
  warning(
    result,
    [
      /^Failed to save: S3 denied HeadObject \(the check that the key is not saved yet\) on s3:\/\/resilience-/,
      /HTTP 403/,
      /must allow s3:GetObject on the cache prefix \(and s3:ListBucket/,
    ],
    [/Unknown/],
  );
  expect(await world.keys(`${prefix}/`)).toEqual([]);
});

test('a range reset mid-body on every attempt: which range, how many attempts, the last cause', async () => {
  const entry = await savedEntry();
  const result = await step('restore', entry.prefix, entry.key, {
    s3: (r) =>
      isRangedGet(r) && String(r.headers.range).startsWith('bytes=524288-')
        ? { kind: 'reset', afterBytes: 64 * 1024 }
        : undefined,
  });
  expect(result.outputs['cache-hit']).not.toBe('true');
  warning(
    result,
    [
      /S3 GetObject \(the download of the entry\) on s3:\/\/resilience-\S+ bytes 524288-1048575 \(part 2 of \d+\) failed after 5 attempts; last cause: \S+/,
    ],
    [/Failed to restore: aborted/],
  );
});

test('the token service answering 500: it failed (the id-token permission is there)', async () => {
  const entry = await savedEntry();
  const result = await step('restore', entry.prefix, entry.key, {
    oidc: () => ({ kind: 'status', status: 500 }),
  });
  warning(
    result,
    [/GitHub OIDC token service failed with HTTP 500/, /has the id-token: write permission/],
    [/must grant/],
  );
});

test('no token request variables: the workflow must grant id-token: write', async () => {
  const entry = await savedEntry();
  const result = await step(
    'restore',
    entry.prefix,
    entry.key,
    {},
    { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined },
  );
  warning(result, [/permissions: id-token: write/], [/token service failed/]);
});
