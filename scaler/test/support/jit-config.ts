/**
 * The encoded JIT configuration, shaped like GitHub's: base64 of a JSON object whose keys are the
 * files the runner writes into its root before starting (`.runner`, `.credentials`,
 * `.credentials_rsaparams`), each value the base64 of that file's JSON. actions/runner's listener
 * (src/Runner.Listener/Runner.cs, `--jitconfig`) decodes it exactly so: base64 -> Dictionary<string,string>,
 * each value base64-decoded into the file named by its key; then it loads `.runner` (RunnerSettings in
 * src/Runner.Common/ConfigurationStore.cs: AgentId, AgentName, PoolId, PoolName, ServerUrl, GitHubUrl,
 * WorkFolder, ...; read case-insensitively, written camelCase) like a configured runner.
 *
 * The fake binds each configuration to one runner: `.runner` carries its agentId/agentName and
 * `.credentials` a client id only the fake knows; connectRunner() refuses a configuration whose parts do
 * not match the runner they name. `.credentials_rsaparams` holds random base64 fields of the right names
 * (not a usable RSA key: nothing in the tests signs with it).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isRecord } from './jwt';

export interface JitRunnerFile {
  agentId: number;
  agentName: string;
  poolId: number;
  poolName: string;
  serverUrl: string;
  serverUrlV2: string;
  gitHubUrl: string;
  workFolder: string;
  ephemeral: boolean;
  disableUpdate: boolean;
  useV2Flow: boolean;
  isHostedServer: boolean;
}

export interface JitCredentialsFile {
  scheme: 'OAuth';
  data: { clientId: string; authorizationUrl: string; requireFipsCryptography: string };
}

export interface DecodedJitConfig {
  runner: JitRunnerFile;
  credentials: JitCredentialsFile;
  rsaParams: Record<string, string>;
}

const RSA_PARAM_SIZES: Record<string, number> = {
  d: 256,
  dp: 128,
  dq: 128,
  exponent: 3,
  inverseQ: 128,
  modulus: 256,
  p: 128,
  q: 128,
};

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function newCredentials(runnerId: number): JitCredentialsFile {
  const clientId = randomUUID();
  return {
    scheme: 'OAuth',
    data: {
      clientId,
      authorizationUrl: `https://pipelinesghubeus1.actions.githubusercontent.com/_apis/oauth2/token/${runnerId}`,
      requireFipsCryptography: 'False',
    },
  };
}

export function encodeJitConfig(runner: JitRunnerFile, credentials: JitCredentialsFile): string {
  const rsaParams: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(RSA_PARAM_SIZES))
    rsaParams[name] = randomBytes(bytes).toString('base64');
  return b64json({
    '.runner': b64json(runner),
    '.credentials': b64json(credentials),
    '.credentials_rsaparams': b64json(rsaParams),
  });
}

/** Thrown for a configuration the runner could not read; `reason` says which part. */
export class JitDecodeError extends Error {}

function decodePart(outer: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = outer[key];
  if (typeof value !== 'string') throw new JitDecodeError(`no ${key} entry`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw new JitDecodeError(`${key} is not base64 of JSON`);
  }
  if (!isRecord(parsed)) throw new JitDecodeError(`${key} is not a JSON object`);
  return parsed;
}

/** Decodes as the runner does; throws JitDecodeError for anything the runner could not use. */
export function decodeJitConfig(encoded: string): DecodedJitConfig {
  if (typeof encoded !== 'string' || encoded.length === 0) throw new JitDecodeError('empty');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new JitDecodeError('not base64');
  let outer: unknown;
  try {
    outer = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new JitDecodeError('not base64 of JSON');
  }
  if (!isRecord(outer)) throw new JitDecodeError('not a JSON object');
  const runner = decodePart(outer, '.runner');
  const credentials = decodePart(outer, '.credentials');
  const rsaParams = decodePart(outer, '.credentials_rsaparams');
  if (typeof runner.agentId !== 'number' || typeof runner.agentName !== 'string') {
    throw new JitDecodeError('.runner has no agentId/agentName');
  }
  const data = credentials.data;
  if (!isRecord(data) || typeof data.clientId !== 'string')
    throw new JitDecodeError('.credentials has no clientId');
  return {
    runner: runner as unknown as JitRunnerFile,
    credentials: credentials as unknown as JitCredentialsFile,
    rsaParams: rsaParams as Record<string, string>,
  };
}
