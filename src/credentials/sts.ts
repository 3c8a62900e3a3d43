/** The real boundaries of credentials.ts: the runner's OIDC token service and the STS client. */
import { getIDToken, setSecret } from '../runner/workflow';
import { USER_AGENT } from '../config/constants';
import { httpOptions, request } from '../storage/client';
import type { AssumeRoleRequest, AwsCredentials, CredentialsDeps } from './credentials';

/** One STS client per call, with the same per-attempt bounds and retries as S3 (storage/client.ts). */
async function assumeRoleWithWebIdentity(input: AssumeRoleRequest): Promise<AwsCredentials> {
  const { STSClient, AssumeRoleWithWebIdentityCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({
    region: input.region,
    endpoint: input.endpoint,
    ...httpOptions(input.bounds),
    customUserAgent: USER_AGENT,
  });
  try {
    const response = await request(
      'STS',
      { operation: 'AssumeRoleWithWebIdentity', target: input.roleArn },
      input.scope,
      (abortSignal) =>
        client.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.sessionName,
            WebIdentityToken: input.webIdentityToken,
            DurationSeconds: input.durationSeconds,
          }),
          { abortSignal },
        ),
    );
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new Error(`STS AssumeRoleWithWebIdentity for ${input.roleArn} returned no credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  } finally {
    client.destroy();
  }
}

export const actionsCredentialsDeps: CredentialsDeps = {
  getIDToken: (audience) => getIDToken(audience),
  setSecret: (secret) => setSecret(secret),
  assumeRoleWithWebIdentity,
  // The runner sets both only when the job has `permissions: id-token: write`.
  idTokenPermitted: () =>
    Boolean(process.env.ACTIONS_ID_TOKEN_REQUEST_URL) && Boolean(process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN),
};
