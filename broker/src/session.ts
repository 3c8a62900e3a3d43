/**
 * The cache session: sts:AssumeRole on the cache role with the isolation grant's session tags.
 * AWS then enforces the grant: the role's policy names `${aws:PrincipalTag/<key>}` in its resources.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from './aws';
import { Refusal } from './refusal';
import type { VerifiedJob } from './verify';

/** STS's RoleSessionName and SourceIdentity: 2 to 64 characters of [\w+=,.@-]. */
const STS_NAME_MAX = 64;
const STS_NAME_CHAR = /[^\w+=,.@-]/g;

function stsName(raw: string): string {
  return raw.replace(STS_NAME_CHAR, '-').slice(0, STS_NAME_MAX);
}

/** `gh-<repository_id>-<run_id>-<run_attempt>`: CloudTrail shows it in the session's ARN. */
export function roleSessionName(job: VerifiedJob): string {
  const run = job.runId ? `-${job.runId}${job.runAttempt ? `-${job.runAttempt}` : ''}` : '';
  return stsName(`gh-${job.repositoryId}${run}`);
}

/**
 * `<owner>@<repo>` (GitHub names hold no `@`): readable in CloudTrail for every call the session
 * makes, and a session cannot change it.
 */
export function sourceIdentity(job: VerifiedJob): string {
  return stsName(job.repository.replace('/', '@'));
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601. */
  expiration: string;
}

export interface SessionRequest {
  job: VerifiedJob;
  tags: Record<string, string>;
}

export type SessionMaker = (request: SessionRequest) => Promise<SessionCredentials>;

export function createSessionMaker(
  roleArn: string,
  durationSeconds: number,
  client?: STSClient,
): SessionMaker {
  const sts = client ?? new STSClient(clientConfig());
  return async ({ job, tags }) => {
    let answer;
    try {
      answer = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: roleSessionName(job),
          SourceIdentity: sourceIdentity(job),
          DurationSeconds: durationSeconds,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    } catch (error) {
      const name = (error as Error).name;
      const denied = name === 'AccessDenied' || name === 'AccessDeniedException';
      throw new Refusal(
        denied ? 500 : 503,
        denied
          ? `the broker may not assume CACHE_ROLE_ARN=${roleArn} with session tags: the role's trust policy must allow sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity to the broker's role`
          : `STS did not issue credentials for ${roleArn} (${name}): try again`,
      );
    }
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Refusal(503, `STS answered without credentials for ${roleArn}: try again`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration.toISOString(),
    };
  };
}
