/**
 * AWS credentials for the cache.
 *
 * role-to-assume (or default-branch-role on the default branch) set: a GitHub OIDC token with
 * audience sts.amazonaws.com is exchanged through STS AssumeRoleWithWebIdentity. Every secret is
 * masked; nothing is written to step state (the post step assumes the role again). No role: the
 * AWS SDK's default credential chain. No token: CacheUnavailableError (a warning, the cache is
 * skipped for this run).
 */
import { SESSION_DURATION_SECONDS } from '../config/constants';
import type { GitHubContext, S3Settings } from '../config/settings';
import { CacheUnavailableError } from '../errors/errors';
import type { Logger } from '../logging/logger';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  webIdentityToken: string;
  region: string;
  endpoint?: string;
  durationSeconds: number;
}

/** The module's boundaries: GitHub's token service, secret masking and STS. */
export interface CredentialsDeps {
  getIDToken(audience: string): Promise<string>;
  setSecret(secret: string): void;
  assumeRoleWithWebIdentity(request: AssumeRoleRequest): Promise<AwsCredentials>;
}

export const OIDC_AUDIENCE = 'sts.amazonaws.com';

/** STS session name from repository and run id, sanitised to [\w+=,.@-] and at most 64 characters. */
export function sessionName(repository: string, runId: string, runAttempt = '1'): string {
  const raw = `dazn-cache@${repository}@${runId}-${runAttempt}`;
  const clean = raw.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return clean.length >= 2 ? clean : 'dazn-cache';
}

export async function resolveCredentials(
  s3: S3Settings,
  github: GitHubContext,
  logger: Logger,
  deps: CredentialsDeps,
): Promise<AwsCredentials | undefined> {
  if (!s3.roleToAssume) {
    logger.debug('No role-to-assume: using the AWS SDK default credential chain');
    return undefined;
  }
  let token: string;
  try {
    token = await deps.getIDToken(OIDC_AUDIENCE);
  } catch (error) {
    throw new CacheUnavailableError(
      `Cannot request a GitHub OIDC token to assume ${s3.roleToAssume} (${(error as Error).message}). ` +
        'The workflow or job must grant `permissions: id-token: write` to use role-to-assume ' +
        '(fork pull requests never get a token). The cache is not used in this step.',
    );
  }
  deps.setSecret(token);
  const name = sessionName(github.repository, github.runId, github.runAttempt);
  logger.debug(`Assuming ${s3.roleToAssume} as session ${name}`);
  const credentials = await deps.assumeRoleWithWebIdentity({
    roleArn: s3.roleToAssume,
    sessionName: name,
    webIdentityToken: token,
    region: s3.region,
    endpoint: s3.stsEndpoint,
    durationSeconds: SESSION_DURATION_SECONDS,
  });
  deps.setSecret(credentials.accessKeyId);
  deps.setSecret(credentials.secretAccessKey);
  if (credentials.sessionToken) deps.setSecret(credentials.sessionToken);
  return credentials;
}
