/** The App's private key and the webhook secret, read from Secrets Manager once per cold start. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type ClientBounds, clientConfig } from './aws';

export async function readSecret(
  client: SecretsManagerClient,
  arn: string,
  variable: string,
): Promise<string> {
  let value: string | undefined;
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    value = response.SecretString;
  } catch (error) {
    throw new Error(
      `cannot read the secret ${variable}=${arn}: ${(error as Error).message} (check the ARN and the function's secretsmanager:GetSecretValue permission)`,
    );
  }
  if (!value) throw new Error(`the secret ${variable}=${arn} has no SecretString: store the value as text`);
  return value;
}

export function secretsClient(bounds: ClientBounds): SecretsManagerClient {
  return new SecretsManagerClient(clientConfig(bounds));
}
