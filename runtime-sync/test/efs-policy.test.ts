/**
 * Who may write the shared tool cache, as IAM decides it: the runtime EFS file system policy and the task
 * roles' EFS statements, as Terraform renders them (the fixtures under infra/terraform/modules/<module>/tests/
 * fixtures, which the modules' `terraform test` runs assert equal to the rendered documents), evaluated
 * with the IAM policy simulator @cloud-copilot/iam-simulate for the requests an NFS client makes when it
 * mounts (ClientMount: read, ClientWrite: write, ClientRootAccess: root) with the condition keys EFS sets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { anonymousPrincipal, runSimulation, SimulationRequestPrincipal } from '@cloud-copilot/iam-simulate';

const modules = path.resolve(__dirname, '../../infra/terraform/modules');
const readJson = (rel: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(modules, rel), 'utf8')) as unknown;
const fileSystemPolicy = readJson('runtime-efs/tests/fixtures/file-system-policy.arm64.json');
const readerStatements = readJson('runner-service/tests/fixtures/task-policy-efs.reader.json');
const writerStatements = readJson('runner-service/tests/fixtures/task-policy-efs.writer.json');

const ACCOUNT = '123456789012';
const FILE_SYSTEM = `arn:aws:elasticfilesystem:eu-central-1:${ACCOUNT}:file-system/fs-arm`;
const READ_WRITE_AP = `arn:aws:elasticfilesystem:eu-central-1:${ACCOUNT}:access-point/fsap-arm`;
const READ_ONLY_AP = `arn:aws:elasticfilesystem:eu-central-1:${ACCOUNT}:access-point/fsap-arm-ro`;
const READER = `arn:aws:iam::${ACCOUNT}:role/dazn-runners-ecs-arm64-spot-task`;
const WRITER = `arn:aws:iam::${ACCOUNT}:role/dazn-runners-fargate-arm64-task`;

type Action = 'ClientMount' | 'ClientWrite' | 'ClientRootAccess';

async function decide(
  principal: SimulationRequestPrincipal,
  statements: unknown,
  action: Action,
  context: { accessPoint?: string; tls?: boolean; viaMountTarget?: boolean },
): Promise<string> {
  const contextVariables: Record<string, string> = {
    'aws:SecureTransport': String(context.tls ?? true),
    'elasticfilesystem:AccessedViaMountTarget': String(context.viaMountTarget ?? true),
  };
  if (context.accessPoint) contextVariables['elasticfilesystem:AccessPointArn'] = context.accessPoint;
  const result = await runSimulation(
    {
      request: {
        principal,
        action: `elasticfilesystem:${action}`,
        resource: { resource: FILE_SYSTEM, accountId: ACCOUNT },
        contextVariables,
      },
      identityPolicies: statements
        ? [{ name: 'task', policy: { Version: '2012-10-17', Statement: statements } }]
        : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: fileSystemPolicy,
    },
    {},
  );
  if (result.resultType !== 'single')
    throw new Error(`simulation failed: ${JSON.stringify(result).slice(0, 500)}`);
  return result.result.analysis.result;
}

describe('the runtime EFS policies, evaluated by the IAM simulator', () => {
  it('a reader pool mounts read-only through the read-only access point and cannot write', async () => {
    expect(await decide(READER, readerStatements, 'ClientMount', { accessPoint: READ_ONLY_AP })).toBe(
      'Allowed',
    );
    expect(await decide(READER, readerStatements, 'ClientWrite', { accessPoint: READ_ONLY_AP })).toBe(
      'ExplicitlyDenied',
    );
    expect(await decide(READER, readerStatements, 'ClientWrite', { accessPoint: READ_WRITE_AP })).toBe(
      'ImplicitlyDenied',
    );
    expect(await decide(READER, readerStatements, 'ClientMount', { accessPoint: READ_WRITE_AP })).toBe(
      'ImplicitlyDenied',
    );
  });

  it('a writer pool writes through the read-write access point only, with TLS, never as root', async () => {
    expect(await decide(WRITER, writerStatements, 'ClientWrite', { accessPoint: READ_WRITE_AP })).toBe(
      'Allowed',
    );
    expect(await decide(WRITER, writerStatements, 'ClientWrite', { accessPoint: READ_ONLY_AP })).toBe(
      'ExplicitlyDenied',
    );
    expect(
      await decide(WRITER, writerStatements, 'ClientWrite', { accessPoint: READ_WRITE_AP, tls: false }),
    ).toBe('ExplicitlyDenied');
    expect(await decide(WRITER, writerStatements, 'ClientWrite', {})).toBe('ExplicitlyDenied'); // no access point
    expect(
      await decide(WRITER, writerStatements, 'ClientWrite', {
        accessPoint: READ_WRITE_AP,
        viaMountTarget: false,
      }),
    ).toBe('ExplicitlyDenied');
    expect(await decide(WRITER, writerStatements, 'ClientRootAccess', { accessPoint: READ_WRITE_AP })).toBe(
      'ExplicitlyDenied',
    );
  });

  it('a client without IAM (a user-space NFS client in a job) gets nothing, not even a read', async () => {
    for (const action of ['ClientMount', 'ClientWrite'] as const) {
      for (const accessPoint of [READ_ONLY_AP, READ_WRITE_AP]) {
        expect(await decide(anonymousPrincipal, undefined, action, { accessPoint })).not.toBe('Allowed');
      }
    }
    // a role of the account with no EFS statement (e.g. another pool's execution role) gets nothing either
    expect(
      await decide(`arn:aws:iam::${ACCOUNT}:role/other`, undefined, 'ClientMount', {
        accessPoint: READ_ONLY_AP,
      }),
    ).toBe('ImplicitlyDenied');
  });

  it('the simulator would allow anonymous writes under the previous file system policy (an Allow for *), so this test can fail', async () => {
    const previous = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Resource: FILE_SYSTEM,
          Condition: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } },
        },
      ],
    };
    const result = await runSimulation(
      {
        request: {
          principal: anonymousPrincipal,
          action: 'elasticfilesystem:ClientWrite',
          resource: { resource: FILE_SYSTEM, accountId: ACCOUNT },
          contextVariables: {
            'aws:SecureTransport': 'true',
            'elasticfilesystem:AccessedViaMountTarget': 'true',
          },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: previous,
      },
      {},
    );
    expect(result.resultType === 'single' && result.result.analysis.result).toBe('Allowed');
  });
});
