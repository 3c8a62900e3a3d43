/** The real boundaries of credentials.ts: the runner's OIDC token service and the STS client. */
import { getIDToken, setSecret } from '../runner/workflow';
import { S3_MAX_ATTEMPTS, USER_AGENT } from '../config/constants';
import type { AssumeRoleRequest, AwsCredentials, CredentialsDeps } from './credentials';

async function assumeRoleWithWebIdentity(request: AssumeRoleRequest): Promise<AwsCredentials> {
  const { STSClient, AssumeRoleWithWebIdentityCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({
    region: request.region,
    endpoint: request.endpoint,
    maxAttempts: S3_MAX_ATTEMPTS,
    customUserAgent: USER_AGENT,
  });
  try {
    const response = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: request.roleArn,
        RoleSessionName: request.sessionName,
        WebIdentityToken: request.webIdentityToken,
        DurationSeconds: request.durationSeconds,
      }),
    );
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new Error(`STS AssumeRoleWithWebIdentity for ${request.roleArn} returned no credentials`);
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
};
