/**
 * The images push role's matrix (modules/images-push-role, as stack 01-ecr's run "render" of its
 * mocked-provider test rendered it): every request the role, or someone trying to become it, might
 * make, evaluated by an IAM policy simulator, with the expected answer written from the rule, not
 * from the policy:
 *
 *   only a job of the repository's main branch that names no environment (push, schedule or
 *   workflow_dispatch there; sub repo:<owner>/<repo>:ref:refs/heads/main), with the audience
 *   sts.amazonaws.com, presented through the account's GitHub OIDC provider, becomes the role; the
 *   role logs in to ECR and pushes to the repositories of infra/images/images.json, and can do
 *   nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { allowed, type PolicyDocument } from './policy-matrix';

/** What test.sh extracts from stacks/01-ecr's `terraform test -json -verbose` (the run "render"). */
export interface RenderedPushRole {
  account: string;
  region: string;
  roleArn: string;
  oidcProviderArn: string;
  trustPolicy: PolicyDocument;
  permissionPolicy: PolicyDocument;
  /** The ECR repositories the stack's run created (full names). */
  createdRepositories: string[];
}

export function readRenderedPushRole(path: string): RenderedPushRole {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const text = (name: string): string => {
    const value = raw[name];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`${path}: ${name} is missing; test.sh writes it from stacks/01-ecr's run "render".`);
    }
    return value;
  };
  const created = raw.createdRepositories;
  if (!Array.isArray(created) || !created.every((n): n is string => typeof n === 'string')) {
    throw new Error(`${path}: createdRepositories is missing; test.sh writes it from stacks/01-ecr's run "render".`);
  }
  const roleArn = text('roleArn');
  return {
    account: roleArn.split(':')[4],
    region: text('region'),
    roleArn,
    oidcProviderArn: text('oidcProviderArn'),
    trustPolicy: JSON.parse(text('trustPolicy')) as PolicyDocument,
    permissionPolicy: JSON.parse(text('permissionPolicy')) as PolicyDocument,
    createdRepositories: created,
  };
}

/** The repositories of infra/images/images.json (<repository_prefix>/<image>): the rule's, read here. */
export function imageRepositories(): string[] {
  const definition = JSON.parse(readFileSync(join(__dirname, '../../images/images.json'), 'utf8')) as {
    repository_prefix: string;
    images: Record<string, unknown>;
  };
  return Object.keys(definition.images)
    .map((name) => `${definition.repository_prefix}/${name}`)
    .sort();
}

/** The github_repository stacks/01-ecr/tests/images_push_role.tftest.hcl gives the stack. */
export const REPOSITORY = 'dazn/cache';
const ISSUER = 'token.actions.githubusercontent.com';
const MAIN = `repo:${REPOSITORY}:ref:refs/heads/main`;

/**
 * AWS's "IAM permissions for pushing an image to an Amazon ECR private repository" (ECR User
 * Guide): the layer calls, PutImage and BatchGetImage on the repository; GetAuthorizationToken on *.
 */
export const PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:BatchGetImage',
];

/** What a push never needs, on the role's own repositories. */
const NOT_PUSH_ACTIONS = [
  'ecr:DeleteRepository',
  'ecr:BatchDeleteImage',
  'ecr:SetRepositoryPolicy',
  'ecr:DeleteRepositoryPolicy',
  'ecr:PutLifecyclePolicy',
  'ecr:DeleteLifecyclePolicy',
  'ecr:PutImageTagMutability',
  'ecr:PutImageScanningConfiguration',
  'ecr:GetDownloadUrlForLayer',
  'ecr:TagResource',
];

export interface PushRoleCell {
  what: string;
  expected: boolean;
  run: () => Promise<boolean>;
}

function permissionCell(
  rendered: RenderedPushRole,
  policy: PolicyDocument,
  what: string,
  action: string,
  resource: string,
  expected: boolean,
  accountId = rendered.account,
): PushRoleCell {
  const simulation: Simulation = {
    identityPolicies: [{ name: 'ecr-push', policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: `arn:aws:sts::${rendered.account}:assumed-role/${rendered.roleArn.split('/').pop()}/GitHubActions`,
      action,
      resource: { accountId, resource },
      contextVariables: {},
    },
  };
  return { what: `${action} on ${resource} (${what})`, expected, run: () => allowed(simulation) };
}

/** Every request the role's session might make, with the permission policy given. */
export function permissionCells(
  rendered: RenderedPushRole,
  policy: PolicyDocument = rendered.permissionPolicy,
): PushRoleCell[] {
  const repo = (name: string, region = rendered.region, account = rendered.account): string =>
    `arn:aws:ecr:${region}:${account}:repository/${name}`;
  const own = imageRepositories();
  const prefix = own[0].split('/')[0];
  const cells: PushRoleCell[] = [
    permissionCell(rendered, policy, 'registry login', 'ecr:GetAuthorizationToken', '*', true),
  ];
  for (const name of own) {
    for (const action of PUSH_ACTIONS) cells.push(permissionCell(rendered, policy, 'an image repository', action, repo(name), true));
    for (const action of NOT_PUSH_ACTIONS) cells.push(permissionCell(rendered, policy, 'not a push', action, repo(name), false));
  }
  const others: [string, string, string?][] = [
    ['another repository under the prefix', repo(`${prefix}/other`)],
    ['a repository whose name extends an image name', repo(`${own[0]}-extra`)],
    ['a repository below an image repository', repo(`${own[0]}/nested`)],
    ['the image name under another prefix', repo(`other/${own[0].split('/')[1]}`)],
    ['the same repository in another region', repo(own[0], 'us-east-1')],
    ['the same repository in another account', repo(own[0], rendered.region, '210987654321'), '210987654321'],
  ];
  for (const [what, arn, account] of others) {
    for (const action of PUSH_ACTIONS) cells.push(permissionCell(rendered, policy, what, action, arn, false, account));
  }
  cells.push(
    permissionCell(rendered, policy, 'a new repository', 'ecr:CreateRepository', repo(`${prefix}/new`), false),
    permissionCell(rendered, policy, 'S3', 's3:GetObject', 'arn:aws:s3:::dazn-cache/cache/entry', false),
    permissionCell(rendered, policy, 'S3', 's3:PutObject', 'arn:aws:s3:::dazn-cache/cache/entry', false),
    permissionCell(rendered, policy, 'S3', 's3:DeleteObject', 'arn:aws:s3:::dazn-cache/cache/entry', false),
    permissionCell(rendered, policy, 'S3', 's3:ListBucket', 'arn:aws:s3:::dazn-cache', false),
    permissionCell(rendered, policy, 'S3', 's3:PutBucketPolicy', 'arn:aws:s3:::dazn-cache', false),
    permissionCell(rendered, policy, 'IAM', 'iam:PassRole', `arn:aws:iam::${rendered.account}:role/dazn-runners-scaler`, false),
    permissionCell(rendered, policy, 'STS', 'sts:AssumeRole', `arn:aws:iam::${rendered.account}:role/dazn-runners-scaler`, false),
    permissionCell(rendered, policy, 'ECS', 'ecs:RegisterTaskDefinition', '*', false),
  );
  return cells;
}

// --- Trust --------------------------------------------------------------------------------------

/**
 * The simulator's action data (AWS's Service Authorization Reference) lists GitHub's claims such as
 * `token.actions.githubusercontent.com:ref` for sts:AssumeRoleWithWebIdentity, but not the provider
 * keys `<issuer>:aud` and `<issuer>:sub` that IAM evaluates for every OIDC provider (IAM User Guide,
 * "Available keys for AWS OIDC federation"); the validated run drops them from the request. So each
 * trust request runs twice: validated (the trust policy, action and resource are checked; it may
 * ignore only those two keys, and must not fail), then unchecked, with the keys, for the answer. The
 * unchecked run takes the trust policy as a ValidatedPolicy (the shape @cloud-copilot/iam-policy's
 * createValidatedPolicy makes): runUnsafeSimulation 0.1.173 cannot load a bare resource policy.
 */
const GITHUB_KEYS = new Set([`${ISSUER}:aud`, `${ISSUER}:sub`]);

async function trustAllowed(simulation: Simulation): Promise<boolean> {
  const validated = await runSimulation(simulation, {});
  if (validated.resultType === 'error') {
    throw new Error(`The simulator refused the trust request ${simulation.request.action}: ${JSON.stringify(validated.errors)}`);
  }
  const ignored = validated.resultType === 'single' ? validated.result.ignoredContextKeys : [];
  const unexpected = (ignored ?? []).filter((key) => !GITHUB_KEYS.has(key));
  if (unexpected.length > 0) throw new Error(`The simulator ignored the context keys ${unexpected.join(', ')}`);
  const unchecked = runUnsafeSimulation(
    {
      ...simulation,
      resourcePolicy: { __validated: true, policyDocument: simulation.resourcePolicy, metadata: { name: 'trust' }, errors: [] },
    },
    {},
  );
  // With nothing ignored the two runs saw the same request and must agree.
  if ((ignored ?? []).length === 0 && (validated.overallResult === 'Allowed') !== (unchecked === 'Allowed')) {
    throw new Error(`The validated and unchecked runs disagree on ${JSON.stringify(simulation.request)}`);
  }
  return unchecked === 'Allowed';
}

interface TrustCase {
  what: string;
  sub?: string;
  aud?: string;
  /** Default: the account's GitHub provider. */
  principal?: string;
}

/** Every way of trying to become the role, with the trust policy given. */
export function trustCells(rendered: RenderedPushRole, trust: PolicyDocument = rendered.trustPolicy): PushRoleCell[] {
  const aud = 'sts.amazonaws.com';
  const cases: TrustCase[] = [
    { what: 'a push, schedule or workflow_dispatch job on main', sub: MAIN, aud },
    { what: 'a pull_request job', sub: `repo:${REPOSITORY}:pull_request`, aud },
    { what: 'a job on another branch', sub: `repo:${REPOSITORY}:ref:refs/heads/feature/x`, aud },
    { what: 'a branch named main-x', sub: `${MAIN}-x`, aud },
    { what: 'a branch below main', sub: `${MAIN}/x`, aud },
    { what: 'a tag', sub: `repo:${REPOSITORY}:ref:refs/tags/v1.2.3`, aud },
    { what: 'a tag named main', sub: `repo:${REPOSITORY}:ref:refs/tags/main`, aud },
    { what: 'a job naming an environment', sub: `repo:${REPOSITORY}:environment:production`, aud },
    { what: 'another repository of the owner', sub: `repo:${REPOSITORY.split('/')[0]}/other:ref:refs/heads/main`, aud },
    { what: 'a repository whose name extends it', sub: `repo:${REPOSITORY}-fork:ref:refs/heads/main`, aud },
    { what: 'the same name under another owner', sub: `repo:someone/${REPOSITORY.split('/')[1]}:ref:refs/heads/main`, aud },
    { what: 'the owner in other case', sub: `repo:${REPOSITORY.toUpperCase()}:ref:refs/heads/main`, aud },
    { what: "GitHub's default audience (the owner's URL)", sub: MAIN, aud: `https://github.com/${REPOSITORY.split('/')[0]}` },
    { what: 'another audience', sub: MAIN, aud: 'dazn-cache' },
    { what: 'no audience', sub: MAIN },
    { what: 'no subject', aud },
    {
      what: "another account's GitHub provider",
      sub: MAIN,
      aud,
      principal: `arn:aws:iam::210987654321:oidc-provider/${ISSUER}`,
    },
    { what: 'another OIDC provider of the account', sub: MAIN, aud, principal: `arn:aws:iam::${rendered.account}:oidc-provider/gitlab.com` },
  ];
  const cells: PushRoleCell[] = cases.map((c) => {
    const context: Record<string, string> = {};
    if (c.sub !== undefined) context[`${ISSUER}:sub`] = c.sub;
    if (c.aud !== undefined) context[`${ISSUER}:aud`] = c.aud;
    const principal = c.principal ?? rendered.oidcProviderArn;
    const simulation: Simulation = {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
      request: {
        principal,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { accountId: rendered.account, resource: rendered.roleArn },
        contextVariables: context,
      },
    };
    return {
      what: `trust: ${c.what} (sub ${c.sub ?? 'none'}, aud ${c.aud ?? 'none'})`,
      expected: principal === `arn:aws:iam::${rendered.account}:oidc-provider/${ISSUER}` && c.sub === MAIN && c.aud === aud,
      run: () => trustAllowed(simulation),
    };
  });
  // Principals of the account with sts:* on their side: the trust names none of them.
  const everything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] };
  for (const [what, principal] of [
    ['an IAM user with sts:*', `arn:aws:iam::${rendered.account}:user/admin`],
    ['another role of the account with sts:*', `arn:aws:sts::${rendered.account}:assumed-role/dazn-runners-scaler/webhook`],
  ]) {
    const simulation: Simulation = {
      identityPolicies: [{ name: 'identity', policy: everything }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: { accountId: rendered.account, resource: rendered.roleArn },
        contextVariables: {},
      },
    };
    cells.push({ what: `trust: sts:AssumeRole by ${what}`, expected: false, run: () => allowed(simulation) });
  }
  return cells;
}

export interface PushRoleResult {
  cells: number;
  allows: number;
  denies: number;
  differences: string[];
}

/** Evaluates the cells; stops after `maxDifferences` differences (a mutant needs only one). */
export async function evaluatePushRole(
  cells: readonly PushRoleCell[],
  maxDifferences = Number.POSITIVE_INFINITY,
): Promise<PushRoleResult> {
  const result: PushRoleResult = { cells: 0, allows: 0, denies: 0, differences: [] };
  for (const cell of cells) {
    const got = await cell.run();
    result.cells += 1;
    if (got) result.allows += 1;
    else result.denies += 1;
    if (got !== cell.expected) {
      result.differences.push(`${cell.what}: expected ${cell.expected ? 'allow' : 'deny'}, got ${got ? 'allow' : 'deny'}`);
      if (result.differences.length >= maxDifferences) break;
    }
  }
  return result;
}
