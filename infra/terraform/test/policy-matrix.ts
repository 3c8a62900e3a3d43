/**
 * The isolation matrix: every identity a job can have × every S3 call the action makes × every
 * folder it might aim at, evaluated by an IAM policy simulator over the policies Terraform rendered
 * (modules/cache-broker, run "render" of its mocked-provider test), with the expected answer written
 * from the rule, not from the policy:
 *
 *   a job lists and reads only its own repository's read scopes (its ref, its pull request's base,
 *   the default branch), writes and aborts only its own ref's scope, and only when its trigger may
 *   write; everything else is denied.
 *
 * Object keys and listing prefixes come from the action's own layout code (src/matching), session
 * tags from isolationGrant, so the matrix checks the three parts against each other.
 */
import { readFileSync } from 'node:fs';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import {
  ISOLATION_TAGS,
  NO_SCOPE,
  isolationGrant,
  repositorySegment,
  scopeSegment,
  type JobClaims,
} from '../../../src/matching/isolation';
import { entryName, listingPrefix, scopeFolder, type EntryLocation } from '../../../src/matching/encoding';
import { cacheVersion } from '../../../src/matching/version';

/** An IAM policy document as Terraform rendered it (JSON). */
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** What test.sh extracts from `terraform test -json -verbose` (the run "render"). */
export interface Rendered {
  account: string;
  bucketArn: string;
  prefix: string;
  brokerRoleArn: string;
  cacheRoleArn: string;
  permissionPolicy: PolicyDocument;
  trustPolicy: PolicyDocument;
  brokerPolicy: PolicyDocument;
}

export function readRendered(path: string): Rendered {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const text = (name: string): string => {
    const value = raw[name];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`${path}: ${name} is missing; test.sh writes it from the cache-broker module's run "render".`);
    }
    return value;
  };
  const policy = (name: string): PolicyDocument => JSON.parse(text(name)) as PolicyDocument;
  const cacheRoleArn = text('cacheRoleArn');
  return {
    account: cacheRoleArn.split(':')[4],
    bucketArn: text('bucketArn'),
    prefix: text('prefix'),
    brokerRoleArn: text('brokerRoleArn'),
    cacheRoleArn,
    permissionPolicy: policy('permissionPolicy'),
    trustPolicy: policy('trustPolicy'),
    brokerPolicy: policy('brokerPolicy'),
  };
}

/** A copy of a policy with one statement changed (or removed, when the change returns null). */
export function mutate(
  policy: PolicyDocument,
  sid: string,
  change: (s: PolicyStatement) => PolicyStatement | null,
): PolicyDocument {
  const copy = JSON.parse(JSON.stringify(policy)) as PolicyDocument;
  const index = copy.Statement.findIndex((s) => s.Sid === sid);
  if (index < 0) throw new Error(`The rendered policy has no statement ${sid}: update the mutant to the module.`);
  const changed = change(copy.Statement[index]);
  if (changed === null) copy.Statement.splice(index, 1);
  else copy.Statement[index] = changed;
  return copy;
}

// --- The S3 calls the action makes and the IAM actions that authorise them ------------------------

/**
 * From AWS's Service Authorization Reference for Amazon S3 ("Actions, resources, and condition keys
 * for Amazon S3") and the S3 User Guide's "Required permissions for Amazon S3 API operations":
 * HeadObject needs s3:GetObject, every multipart step but the abort needs s3:PutObject.
 */
export const S3_OPERATIONS: Record<string, { iamAction: string; kind: MatrixAction }> = {
  ListObjectsV2: { iamAction: 's3:ListBucket', kind: 'list' },
  HeadObject: { iamAction: 's3:GetObject', kind: 'read' },
  GetObject: { iamAction: 's3:GetObject', kind: 'read' },
  PutObject: { iamAction: 's3:PutObject', kind: 'write' },
  CreateMultipartUpload: { iamAction: 's3:PutObject', kind: 'write' },
  UploadPart: { iamAction: 's3:PutObject', kind: 'write' },
  CompleteMultipartUpload: { iamAction: 's3:PutObject', kind: 'write' },
  AbortMultipartUpload: { iamAction: 's3:AbortMultipartUpload', kind: 'abort' },
};

export type MatrixAction = 'list' | 'read' | 'write' | 'abort';
export const MATRIX_ACTIONS: readonly MatrixAction[] = ['list', 'read', 'write', 'abort'];
const IAM_ACTION: Record<MatrixAction, string> = {
  list: 's3:ListBucket',
  read: 's3:GetObject',
  write: 's3:PutObject',
  abort: 's3:AbortMultipartUpload',
};

// --- Identities ---------------------------------------------------------------------------------

interface Repository {
  label: string;
  id: string;
  /** owner/name, for the legacy layout's folder. */
  fullName: string;
}

/** Repository B's id starts with A's: repo-101 must not reach repo-1010. */
export const REPOSITORIES: readonly Repository[] = [
  { label: 'A', id: '101', fullName: 'dazn/app-a' },
  { label: 'B', id: '1010', fullName: 'dazn/app-b' },
];

export interface IdentitySpec {
  name: string;
  claims: Omit<JobClaims, 'repositoryId'>;
  defaultBranch: string;
  /** The rule, written out: the refs the job may list and read … */
  reads: string[];
  /** … and whether it may write its own ref. */
  writes: boolean;
}

const heads = (branch: string): string => `refs/heads/${branch}`;

const pushTo = (branch: string, reads: string[] = [heads(branch), heads('main')]): IdentitySpec => ({
  name: `push to branch ${JSON.stringify(branch)}`,
  claims: { ref: heads(branch), eventName: 'push' },
  defaultBranch: 'main',
  reads,
  writes: true,
});

/** The identities, then the ones GitHub makes read-only, then names that imitate a scope. */
export function identitySpecs(): IdentitySpec[] {
  const mainScope = scopeSegment(heads('main'));
  const otherMainScope = `${repositorySegment(REPOSITORIES[1].id)}/${mainScope}`;
  return [
    {
      name: 'push to the default branch main',
      claims: { ref: heads('main'), eventName: 'push' },
      defaultBranch: 'main',
      reads: [heads('main')],
      writes: true,
    },
    {
      name: 'push to the default branch develop (default branch is not main)',
      claims: { ref: heads('develop'), eventName: 'push' },
      defaultBranch: 'develop',
      reads: [heads('develop')],
      writes: true,
    },
    { ...pushTo('feature/login'), name: 'push to a feature branch' },
    {
      name: 'pull request into main',
      claims: { ref: 'refs/pull/7/merge', eventName: 'pull_request', baseRef: 'main' },
      defaultBranch: 'main',
      reads: ['refs/pull/7/merge', heads('main')],
      writes: true,
    },
    {
      name: 'pull request into release/1.x',
      claims: { ref: 'refs/pull/8/merge', eventName: 'pull_request', baseRef: 'release/1.x' },
      defaultBranch: 'main',
      reads: ['refs/pull/8/merge', heads('release/1.x'), heads('main')],
      writes: true,
    },
    {
      name: 'pull_request_target (runs on the base branch, read-only)',
      claims: { ref: heads('main'), eventName: 'pull_request_target', baseRef: 'main' },
      defaultBranch: 'main',
      reads: [heads('main')],
      writes: false,
    },
    {
      name: 'tag push',
      claims: { ref: 'refs/tags/v1.2.3', eventName: 'push' },
      defaultBranch: 'main',
      reads: ['refs/tags/v1.2.3', heads('main')],
      writes: true,
    },
    {
      // The environment claim changes nothing: the grant follows ref and event.
      name: 'environment job (workflow_dispatch on main, environment: production)',
      claims: { ref: heads('main'), eventName: 'workflow_dispatch' },
      defaultBranch: 'main',
      reads: [heads('main')],
      writes: true,
    },
    {
      name: 'issue_comment (read-only)',
      claims: { ref: heads('main'), eventName: 'issue_comment' },
      defaultBranch: 'main',
      reads: [heads('main')],
      writes: false,
    },
    {
      name: 'workflow_run on a release branch (read-only)',
      claims: { ref: heads('release/1.x'), eventName: 'workflow_run' },
      defaultBranch: 'main',
      reads: [heads('release/1.x'), heads('main')],
      writes: false,
    },
    {
      name: 'issues event on the default branch (read-only: not a default-branch writer)',
      claims: { ref: heads('main'), eventName: 'issues' },
      defaultBranch: 'main',
      reads: [heads('main')],
      writes: false,
    },
    {
      name: 'tag named like the default branch (refs/tags/main)',
      claims: { ref: 'refs/tags/main', eventName: 'push' },
      defaultBranch: 'main',
      reads: ['refs/tags/main', heads('main')],
      writes: true,
    },
    // Branch names that try to look like another scope: each is its own ref, hashed.
    pushTo('main/x'),
    pushTo('heads/main'),
    pushTo('refs%2Fheads%2Fmain'),
    pushTo('feature%2F..%2Fmain'),
    pushTo('main%'),
    pushTo('Main'),
    pushTo('MAIN'),
    pushTo('m\u0430in'), // Cyrillic а
    pushTo('main\u200b'), // zero-width space
    pushTo(mainScope), // the default branch's folder name as a branch name
    pushTo(otherMainScope), // repository B's default-branch folder, with its repository
    pushTo(`../../${otherMainScope}`),
    pushTo(NO_SCOPE),
  ];
}

export interface Identity {
  label: string;
  repository: Repository;
  other: Repository;
  spec: IdentitySpec;
  claims: JobClaims;
  tags: Record<string, string>;
}

export function identities(): Identity[] {
  const out: Identity[] = [];
  for (const repository of REPOSITORIES) {
    const other = REPOSITORIES.find((r) => r !== repository) as Repository;
    for (const spec of identitySpecs()) {
      const claims: JobClaims = { repositoryId: repository.id, ...spec.claims };
      out.push({
        label: `repository ${repository.label}, ${spec.name}`,
        repository,
        other,
        spec,
        claims,
        tags: isolationGrant(claims, spec.defaultBranch).tags,
      });
    }
  }
  return out;
}

/** Differences between the written rule and isolationGrant (empty when they agree). */
export function grantDisagreements(list: readonly Identity[]): string[] {
  const problems: string[] = [];
  for (const identity of list) {
    const grant = isolationGrant(identity.claims, identity.spec.defaultBranch);
    const expectedReads = [...new Set(identity.spec.reads.map(scopeSegment))].sort();
    const reads = grant.read.map((g) => g.scope).sort();
    if (JSON.stringify(reads) !== JSON.stringify(expectedReads)) {
      problems.push(`${identity.label}: isolationGrant reads ${reads.join(', ')}; the rule says ${expectedReads.join(', ')}`);
    }
    if ((grant.write !== null) !== identity.spec.writes) {
      problems.push(`${identity.label}: isolationGrant ${grant.write ? 'writes' : 'does not write'}; the rule says the opposite`);
    }
    if (grant.write && grant.write.scope !== scopeSegment(identity.claims.ref)) {
      problems.push(`${identity.label}: isolationGrant writes ${grant.write.ref}, not the job's own ref`);
    }
  }
  return problems;
}

// --- Targets and cells ----------------------------------------------------------------------------

/** The version of the entries (the action's cacheVersion for one path on Linux). */
const VERSION = cacheVersion(['node_modules'], false, 'linux');
/** One ordinary key, one that needs encoding, one over S3's 1024 bytes (a long-key name). */
const CACHE_KEYS = ['npm-linux-0f1e2d', 'keys/with%2Fslash ünï\u00e7ode', `long-${'x'.repeat(1100)}`];
const KEY_PREFIXES = ['', 'npm-linux-'];

interface Target {
  name: string;
  /** The scope folder whose entries the cell aims at. */
  location: EntryLocation;
  /** For each action: may the identity do it here, by the rule? */
  allowed: Record<MatrixAction, boolean>;
}

function targetsFor(identity: Identity, prefix: string): Target[] {
  const own = repositorySegment(identity.repository.id);
  const other = repositorySegment(identity.other.id);
  const ownRef = identity.claims.ref;
  const readScopes = new Set(identity.spec.reads.map(scopeSegment));
  // Isolated mode names the folder by scopeSegment; `scope` is then unused by the layout.
  const location = (repository: string, scope: string): EntryLocation => ({
    prefix,
    repository,
    scope: 'unused',
    version: VERSION,
    scopeSegment: scope,
  });
  const rule = (repository: string, scope: string): Record<MatrixAction, boolean> => {
    const mine = repository === own;
    const read = mine && readScopes.has(scope);
    const write = mine && identity.spec.writes && scope === scopeSegment(ownRef);
    return { list: read, read, write, abort: write };
  };
  const at = (name: string, repository: string, ref: string): Target => ({
    name,
    location: location(repository, scopeSegment(ref)),
    allowed: rule(repository, scopeSegment(ref)),
  });
  const denied = { list: false, read: false, write: false, abort: false };
  const targets: Target[] = [
    at('own ref', own, ownRef),
    at('default branch', own, heads(identity.spec.defaultBranch)),
    at('another ref', own, heads('someone-elses-branch')),
    // The same name under another ref kind: a branch's tag, a tag's or pull request's branch.
    at(
      'the same name as another kind of ref',
      own,
      ownRef.startsWith('refs/heads/')
        ? ownRef.replace(/^refs\/heads\//, 'refs/tags/')
        : ownRef.replace(/^refs\/[a-z]+\//, 'refs/heads/'),
    ),
    at('other repository, same ref', other, ownRef),
    at('other repository, its default branch', other, heads('main')),
    { name: 'the no-scope folder', location: location(own, NO_SCOPE), allowed: denied },
    {
      // The layout of the OIDC roles (owner/repo/encoded ref), which the isolated role never reaches.
      name: 'legacy layout of the own repository',
      location: { prefix, repository: identity.repository.fullName, scope: ownRef, version: VERSION },
      allowed: denied,
    },
  ];
  if (identity.claims.baseRef) targets.push(at('pull request base', own, heads(identity.claims.baseRef)));
  return targets;
}

export interface Cell {
  identity: string;
  target: string;
  action: MatrixAction;
  /** The object key, or the listing prefix (null: a listing without a prefix). */
  key: string | null;
  expected: boolean;
  simulation: Simulation;
}

function sessionContext(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]));
}

function s3Simulation(
  rendered: Rendered,
  policy: PolicyDocument,
  identity: Identity,
  action: MatrixAction,
  key: string | null,
): Simulation {
  const list = action === 'list';
  const context: Record<string, string> = sessionContext(identity.tags);
  if (list && key !== null) context['s3:prefix'] = key;
  return {
    identityPolicies: [{ name: 'cache-bucket-isolated', policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: `arn:aws:sts::${rendered.account}:assumed-role/${rendered.cacheRoleArn.split('/').pop()}/gh-${identity.repository.id}-1-1`,
      action: IAM_ACTION[action],
      resource: { accountId: rendered.account, resource: list ? rendered.bucketArn : `${rendered.bucketArn}/${key}` },
      contextVariables: context,
    },
  };
}

/** Every S3 cell, with the permission policy given (the rendered one, or a mutant of it). */
export function s3Cells(rendered: Rendered, policy: PolicyDocument = rendered.permissionPolicy): Cell[] {
  const cells: Cell[] = [];
  for (const identity of identities()) {
    const ownRepositoryRoot = `${rendered.prefix}/${repositorySegment(identity.repository.id)}/`;
    for (const target of targetsFor(identity, rendered.prefix)) {
      for (const action of MATRIX_ACTIONS) {
        const keys =
          action === 'list'
            ? KEY_PREFIXES.map((p) => listingPrefix(scopeFolder(target.location), p))
            : CACHE_KEYS.map((k) => entryName(target.location, k).objectKey);
        for (const key of keys) {
          cells.push({
            identity: identity.label,
            target: target.name,
            action,
            key,
            expected: target.allowed[action],
            simulation: s3Simulation(rendered, policy, identity, action, key),
          });
        }
      }
    }
    // Listings wider than a scope, and objects outside every scope: always denied.
    const wide: [string, MatrixAction, string | null][] = [
      ['listing without a prefix', 'list', null],
      ['listing the whole bucket', 'list', ''],
      ['listing the cache prefix', 'list', `${rendered.prefix}/`],
      ['listing the own repository', 'list', ownRepositoryRoot],
      ['listing every ref folder of the own repository', 'list', `${ownRepositoryRoot}ref-`],
      ['object in the own repository, outside any scope', 'read', `${ownRepositoryRoot}entry`],
      ['object in the own repository, outside any scope', 'write', `${ownRepositoryRoot}entry`],
      ['object outside the cache prefix', 'write', `other/${repositorySegment(identity.repository.id)}/x`],
    ];
    for (const [target, action, key] of wide) {
      cells.push({
        identity: identity.label,
        target,
        action,
        key,
        expected: false,
        simulation: s3Simulation(rendered, policy, identity, action, key),
      });
    }
  }
  return cells;
}

// --- Trust: who may become the cache role, with which tags -----------------------------------------

interface TagCase {
  name: string;
  tags: Record<string, string>;
  transitive?: string[];
  valid: boolean;
}

function tagCases(list: readonly Identity[]): TagCase[] {
  const good = list[0].tags;
  const hex = (n: number): string => 'a'.repeat(n);
  const without = (key: string): Record<string, string> =>
    Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));
  const cases: TagCase[] = list.map((i) => ({ name: `${i.label}'s tags`, tags: i.tags, valid: true }));
  cases.push({ name: 'no tags', tags: {}, valid: false });
  for (const key of Object.values(ISOLATION_TAGS)) {
    cases.push({ name: `all but ${key}`, tags: without(key), valid: false });
  }
  cases.push(
    { name: 'an extra tag key', tags: { ...good, 'cache-extra': 'x' }, valid: false },
    {
      name: 'a tag key in other case (Cache-Repo)',
      tags: { ...without(ISOLATION_TAGS.repository), 'Cache-Repo': good[ISOLATION_TAGS.repository] },
      valid: false,
    },
    { name: 'repository value with a slash', tags: { ...good, [ISOLATION_TAGS.repository]: 'repo-101/ref-x' }, valid: false },
    { name: 'repository value without repo-', tags: { ...good, [ISOLATION_TAGS.repository]: 'app-a' }, valid: false },
    { name: 'write scope too short', tags: { ...good, [ISOLATION_TAGS.write]: `ref-${hex(12)}` }, valid: false },
    { name: 'write scope too long', tags: { ...good, [ISOLATION_TAGS.write]: `ref-${hex(41)}` }, valid: false },
    { name: 'write scope with a slash', tags: { ...good, [ISOLATION_TAGS.write]: `ref-${hex(39)}/` }, valid: false },
    { name: 'write scope of the wrong form', tags: { ...good, [ISOLATION_TAGS.write]: `refs/heads/main` }, valid: false },
    { name: 'own ref "none"', tags: { ...good, [ISOLATION_TAGS.readRef]: NO_SCOPE }, valid: false },
    { name: 'default scope with a slash', tags: { ...good, [ISOLATION_TAGS.readDefault]: `ref-${hex(19)}/${hex(20)}` }, valid: false },
    { name: 'transitive tags', tags: good, transitive: [ISOLATION_TAGS.repository], valid: false },
  );
  return cases;
}

export interface TrustCell {
  principal: string;
  tags: string;
  expected: boolean;
  /** The calls AssumeRole needs: AssumeRole, TagSession (with tags), SetSourceIdentity (with one). */
  simulations: Simulation[];
}

export function trustCells(
  rendered: Rendered,
  trust: PolicyDocument = rendered.trustPolicy,
  brokerPolicy: PolicyDocument = rendered.brokerPolicy,
): TrustCell[] {
  const everything: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }],
  };
  const roleName = (arn: string): string => arn.split('/').pop() as string;
  const principals: { name: string; arn: string; policy: PolicyDocument; isBroker: boolean }[] = [
    {
      name: 'the broker',
      arn: `arn:aws:sts::${rendered.account}:assumed-role/${roleName(rendered.brokerRoleArn)}/dazn-runners-cache-broker`,
      policy: brokerPolicy,
      isBroker: true,
    },
    {
      name: 'a cache session (role chaining into itself)',
      arn: `arn:aws:sts::${rendered.account}:assumed-role/${roleName(rendered.cacheRoleArn)}/gh-101-1-1`,
      policy: everything,
      isBroker: false,
    },
    {
      name: 'another role of the account with sts:*',
      arn: `arn:aws:sts::${rendered.account}:assumed-role/dazn-runners-scaler/webhook`,
      policy: everything,
      isBroker: false,
    },
    { name: 'an IAM user with sts:*', arn: `arn:aws:iam::${rendered.account}:user/admin`, policy: everything, isBroker: false },
  ];
  const cells: TrustCell[] = [];
  for (const principal of principals) {
    // The broker with every identity's tags and every malformed set; the others (refused whatever
    // the tags) with one good set and the malformed ones.
    const cases = tagCases(identities()).filter((c, i) => principal.isBroker || !c.valid || i === 0);
    for (const tagCase of cases) {
      // A caller may or may not set a source identity (the broker does; someone else need not).
      for (const sourceIdentity of [undefined, 'dazn@app-a']) {
        const keys = Object.keys(tagCase.tags);
        const context: Record<string, string | string[]> = Object.fromEntries(
          Object.entries(tagCase.tags).map(([k, v]) => [`aws:RequestTag/${k}`, v]),
        );
        if (keys.length > 0) context['aws:TagKeys'] = keys;
        if (tagCase.transitive) context['sts:TransitiveTagKeys'] = tagCase.transitive;
        if (sourceIdentity) context['sts:SourceIdentity'] = sourceIdentity;
        const actions = [
          'sts:AssumeRole',
          ...(keys.length > 0 ? ['sts:TagSession'] : []),
          ...(sourceIdentity ? ['sts:SetSourceIdentity'] : []),
        ];
        cells.push({
          principal: principal.name,
          tags: `${tagCase.name}, ${sourceIdentity ? 'with a source identity' : 'without a source identity'}`,
          expected: principal.isBroker && tagCase.valid,
          simulations: actions.map((action) => ({
            identityPolicies: [{ name: 'identity', policy: principal.policy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: trust,
            request: {
              principal: principal.arn,
              action,
              resource: { accountId: rendered.account, resource: rendered.cacheRoleArn },
              contextVariables: context,
            },
          })),
        });
      }
    }
  }
  // The broker's own role reaches nothing but the cache role.
  const broker = principals[0];
  const brokerOnly = (action: string, resource: string, expected: boolean, what: string): TrustCell => ({
    principal: 'the broker (own permissions)',
    tags: what,
    expected,
    simulations: [
      {
        identityPolicies: [{ name: 'cache-broker', policy: brokerPolicy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: { principal: broker.arn, action, resource: { accountId: rendered.account, resource }, contextVariables: {} },
      },
    ],
  });
  cells.push(
    brokerOnly('sts:AssumeRole', rendered.cacheRoleArn, true, 'sts:AssumeRole on the cache role'),
    brokerOnly('sts:AssumeRole', `arn:aws:iam::${rendered.account}:role/dazn-runners-scaler`, false, 'sts:AssumeRole on another role'),
    brokerOnly('s3:GetObject', `${rendered.bucketArn}/${rendered.prefix}/repo-101/x`, false, 'S3 itself'),
    brokerOnly(
      'secretsmanager:GetSecretValue',
      `arn:aws:secretsmanager:eu-central-1:${rendered.account}:secret:other-AbCdEf`,
      false,
      'a secret that is not the App key',
    ),
  );
  return cells;
}

// --- Evaluation -----------------------------------------------------------------------------------

/**
 * The simulator's answer. runSimulation validates the policies, the action, the resource type and
 * the context keys (about 30 ms a call here); runUnsafeSimulation evaluates the same way without
 * the checks (about 5 ms). Every distinct shape of request (policies, action, context key names) is
 * run validated once, and must agree with the unchecked run; the rest run unchecked. Requests with a
 * resource policy (the trust policy) always run validated: runUnsafeSimulation 0.1.173 fails on them
 * (it loads the resource policy without the name the engine reads).
 */
const validatedShapes = new Set<string>();

export async function allowed(simulation: Simulation): Promise<boolean> {
  const shape = JSON.stringify([
    simulation.identityPolicies,
    simulation.resourcePolicy ?? null,
    simulation.request.action,
    Object.keys(simulation.request.contextVariables).sort(),
  ]);
  const unchecked = simulation.resourcePolicy ? undefined : runUnsafeSimulation(simulation, {}) === 'Allowed';
  if (unchecked !== undefined && validatedShapes.has(shape)) return unchecked;
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(
      `The simulator refused the request ${simulation.request.action} on ${simulation.request.resource.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  if (unchecked === undefined) return result.overallResult === 'Allowed';
  if ((result.overallResult === 'Allowed') !== unchecked) {
    throw new Error(`The simulator's validated and unchecked runs disagree on ${JSON.stringify(simulation.request)}`);
  }
  validatedShapes.add(shape);
  return unchecked;
}

export interface MatrixResult {
  cells: number;
  allows: number;
  denies: number;
  differences: string[];
}

/** Evaluates every cell; stops after `maxDifferences` differences (a mutant needs only one). */
export async function evaluate(
  s3: readonly Cell[],
  trust: readonly TrustCell[],
  maxDifferences = Number.POSITIVE_INFINITY,
): Promise<MatrixResult> {
  const result: MatrixResult = { cells: 0, allows: 0, denies: 0, differences: [] };
  const record = (got: boolean, expected: boolean, describe: () => string): void => {
    result.cells += 1;
    if (got) result.allows += 1;
    else result.denies += 1;
    if (got !== expected) result.differences.push(`${describe()}: expected ${expected ? 'allow' : 'deny'}, got ${got ? 'allow' : 'deny'}`);
  };
  for (const cell of s3) {
    record(await allowed(cell.simulation), cell.expected, () => `${cell.identity} × ${cell.action} × ${cell.target} (${cell.key ?? 'no prefix'})`);
    if (result.differences.length >= maxDifferences) return result;
  }
  for (const cell of trust) {
    let all = true;
    for (const simulation of cell.simulations) all = all && (await allowed(simulation));
    record(all, cell.expected, () => `trust: ${cell.principal} with ${cell.tags}`);
    if (result.differences.length >= maxDifferences) return result;
  }
  return result;
}
