/** The JIT configuration's way to its one task: an SSM SecureString the task reads and deletes. */
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type ClientBounds, clientConfig, errorName } from './aws';
import type { SsmPort } from './ports';

export function createSsm(bounds: ClientBounds): SsmPort {
  const client = new SSMClient(clientConfig(bounds));
  return {
    async putJitConfig(name, value, tags) {
      await client.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: 'SecureString', // default key alias/aws/ssm
          Overwrite: false,
          // A JIT configuration is usually under 4 KB (Standard); Intelligent-Tiering takes larger ones.
          Tier: 'Intelligent-Tiering',
          Description: 'single-use runner JIT configuration, deleted by the task that reads it',
          Tags: [
            { Key: 'dazn:pool', Value: tags.pool },
            { Key: 'dazn:runner-name', Value: tags.runnerName },
          ],
        }),
      );
    },
    async deleteParameter(name) {
      try {
        await client.send(new DeleteParameterCommand({ Name: name }));
      } catch (error) {
        if (errorName(error) !== 'ParameterNotFound') throw error;
      }
    },
  };
}
