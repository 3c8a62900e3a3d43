/**
 * What an integration test of the action runs against: moto_server (S3 and STS) with a bucket, a
 * fake runner OIDC token endpoint, a temporary workspace, and a recording ActionIO in place of the
 * runner. Steps run in-process through restoreImpl/saveImpl with settings resolved from inputs.
 */
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveSettings } from '../../src/config/settings';
import { actionsCredentialsDeps } from '../../src/credentials/sts';
import type { CredentialsDeps } from '../../src/credentials/credentials';
import type { ActionIO } from '../../src/orchestration/io';
import { restoreImpl } from '../../src/orchestration/restore';
import type { StepDeps } from '../../src/orchestration/backend';
import { saveImpl } from '../../src/orchestration/save';
import { S3Backend } from '../../src/orchestration/s3-backend';
import { OutputsStateProvider, PostStepStateProvider, StateProvider } from '../../src/orchestration/state';
import { GitHubCacheBackend } from '../../src/orchestration/github-backend';
import { MotoServer, startMoto, TEST_AWS_ENV } from '../support/moto';

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/dazn-cache-integration';

export interface RecordingIO extends ActionIO {
  /** What the S3 backend gets for OIDC and STS (setSecret recorded into `secrets`). */
  credentials: CredentialsDeps;
  outputs: Record<string, string>;
  state: Record<string, string>;
  infos: string[];
  warnings: string[];
  failures: string[];
  summaries: string[];
  secrets: string[];
}

export function recordingIO(credentials: CredentialsDeps = actionsCredentialsDeps): RecordingIO {
  const io: RecordingIO = {
    outputs: {},
    state: {},
    infos: [],
    warnings: [],
    failures: [],
    summaries: [],
    secrets: [],
    debug: () => undefined,
    info: (m) => io.infos.push(m),
    warning: (m) => io.warnings.push(m),
    setOutput: (name, value) => {
      io.outputs[name] = value;
    },
    saveState: (name, value) => {
      io.state[name] = value;
    },
    getState: (name) => io.state[name] ?? '',
    setFailed: (m) => io.failures.push(m),
    summary: (_path, line) => io.summaries.push(line),
    credentials: {
      ...credentials,
      setSecret: (secret) => {
        io.secrets.push(secret);
      },
    },
  };
  return io;
}

export interface World {
  moto: MotoServer;
  bucket: string;
  s3: S3Client;
  workspace: string;
  /** Environment of a step: GitHub context and S3 settings pointing at moto. */
  env: Record<string, string>;
  oidcRequests: number;
  stop(): Promise<void>;
}

/** A fake ACTIONS_ID_TOKEN_REQUEST_URL answering like the runner's token service. */
async function startOidc(world: { oidcRequests: number }): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    world.oidcRequests += 1;
    const jwt = ['{"alg":"RS256"}', '{"aud":"sts.amazonaws.com","sub":"repo:o/r:ref:refs/heads/x"}', 'sig']
      .map((part) => Buffer.from(part).toString('base64url'))
      .join('.');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ value: jwt }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/token?api-version=2.0` };
}

export async function startWorld(): Promise<World> {
  Object.assign(process.env, TEST_AWS_ENV);
  const moto = await startMoto();
  const bucket = 'integration-cache';
  const s3 = new S3Client({ region: 'eu-central-1', endpoint: moto.endpoint, forcePathStyle: true });
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
    }),
  );
  const workspace = await mkdtemp(path.join(tmpdir(), 'dazn-cache-it-'));
  const world = { oidcRequests: 0 } as World;
  const oidc = await startOidc(world);
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = oidc.url;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'request-token';
  return Object.assign(world, {
    moto,
    bucket,
    s3,
    workspace,
    env: {
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_REF: 'refs/heads/feature',
      GITHUB_WORKSPACE: workspace,
      GITHUB_RUN_ID: '1',
      DAZN_CACHE_BUCKET: bucket,
      DAZN_CACHE_ENDPOINT: moto.endpoint,
      RUNNER_TEMP: workspace,
    },
    stop: async () => {
      s3.destroy();
      await new Promise((resolve) => oidc.server.close(resolve));
      await moto.stop();
      await rm(workspace, { recursive: true, force: true });
    },
  });
}

export type Step = 'restore' | 'restore-only' | 'save' | 'save-only';

/** Runs one step in-process, like an entry point, with inputs and environment given here. */
export async function runStep(
  step: Step,
  inputs: Record<string, string>,
  env: Record<string, string>,
  io: RecordingIO = recordingIO(),
): Promise<RecordingIO> {
  const kind = step.startsWith('restore') ? 'restore' : 'save';
  const deps: StepDeps = {
    io,
    readSettings: () => resolveSettings(kind, (name) => inputs[name] ?? '', env),
    backend: (settings) =>
      settings.s3
        ? new S3Backend(settings.s3, io, io.credentials, async () => undefined)
        : new GitHubCacheBackend(io),
  };
  const state: StateProvider = step.endsWith('-only')
    ? new OutputsStateProvider(io)
    : new PostStepStateProvider(io);
  if (kind === 'restore') await restoreImpl(state, deps);
  else await saveImpl(state, deps);
  return io;
}

export async function listKeys(world: World, prefix = ''): Promise<string[]> {
  const response = await world.s3.send(new ListObjectsV2Command({ Bucket: world.bucket, Prefix: prefix }));
  return (response.Contents ?? []).map((item) => item.Key ?? '');
}
