/**
 * The isolated cache role's policies, as Terraform rendered them, against the rule (policy-matrix.ts).
 * Run by infra/terraform/test.sh after the cache-broker module's `terraform test`, which writes the
 * rendered documents to the file named by DAZN_RENDERED_POLICIES.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  S3_OPERATIONS,
  evaluate,
  grantDisagreements,
  identities,
  mutate,
  readRendered,
  s3Cells,
  trustCells,
  type PolicyDocument,
  type PolicyStatement,
  type Rendered,
} from './policy-matrix';

const renderedPath = process.env.DAZN_RENDERED_POLICIES;

function rendered(): Rendered {
  if (!renderedPath) {
    throw new Error(
      'DAZN_RENDERED_POLICIES is not set: run this test through infra/terraform/test.sh ' +
        '(TF_TEST_PARTS=policy bash infra/terraform/test.sh), which renders the policies with terraform first.',
    );
  }
  return readRendered(renderedPath);
}

function withoutCondition(statement: PolicyStatement, operator: string): PolicyStatement {
  const condition = statement.Condition ?? {};
  if (!(operator in condition)) throw new Error(`The statement ${statement.Sid} has no ${operator} condition.`);
  return { ...statement, Condition: Object.fromEntries(Object.entries(condition).filter(([k]) => k !== operator)) };
}

const replaceIn = (value: string | string[] | undefined, from: string, to: string): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => v.split(from).join(to));

describe('the isolated cache role (modules/cache-broker, rendered by terraform)', () => {
  jest.setTimeout(600_000);

  test('the rule written in the matrix is the one isolationGrant implements', () => {
    expect(grantDisagreements(identities())).toEqual([]);
  });

  test('every S3 call the action makes has its IAM action in the matrix', () => {
    const storage = join(__dirname, '../../../src/storage');
    const used = new Set<string>();
    for (const file of readdirSync(storage).filter((f) => f.endsWith('.ts'))) {
      for (const match of readFileSync(join(storage, file), 'utf8').matchAll(/\bnew ([A-Za-z0-9]+)Command\b/g)) {
        used.add(match[1]);
      }
    }
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((op) => !(op in S3_OPERATIONS))).toEqual([]);
  });

  test('every cell of identity × action × target, and of the trust policy, is as the rule says', async () => {
    const policies = rendered();
    const result = await evaluate(s3Cells(policies), trustCells(policies));
    process.stdout.write(
      `policy matrix: ${result.cells} cells, ${result.allows} allows, ${result.denies} denies, ` +
        `${result.differences.length} differences from the rule\n`,
    );
    expect(result.differences).toEqual([]);
    // A matrix that allows nothing or denies nothing tests nothing.
    expect(result.allows).toBeGreaterThan(0);
    expect(result.denies).toBeGreaterThan(result.allows);
  });

  // Tests of the test: each wrong policy must make at least one cell differ.
  // (The write statement's own condition and the no-scope deny back each other up: either alone
  // keeps a read-only session out of the no-scope folder, so the mutant removes both.)
  const mutants: [string, (r: Rendered) => { permission?: PolicyDocument; trust?: PolicyDocument }][] = [
    [
      'without the no-scope deny (a missing base or default scope reads <repo>/none/)',
      (r) => ({ permission: mutate(r.permissionPolicy, 'NothingInTheNoScopeFolder', () => null) }),
    ],
    [
      'write without the "none" condition and without the no-scope deny',
      (r) => ({
        permission: mutate(
          mutate(r.permissionPolicy, 'WriteOwnScope', (s) => ({ ...s, Condition: undefined })),
          'NothingInTheNoScopeFolder',
          () => null,
        ),
      }),
    ],
    [
      'write into the default branch scope instead of the own ref',
      (r) => ({
        permission: mutate(r.permissionPolicy, 'WriteOwnScope', (s) => ({
          ...s,
          Resource: replaceIn(s.Resource, 'cache-write}', 'cache-read-default}'),
        })),
      }),
    ],
    [
      'reads of any repository',
      (r) => ({
        permission: mutate(r.permissionPolicy, 'ReadOwnReadScopes', (s) => ({
          ...s,
          Resource: replaceIn(s.Resource, '${aws:PrincipalTag/cache-repo}', '*'),
        })),
      }),
    ],
    [
      'listing of every ref of the own repository',
      (r) => ({
        permission: mutate(r.permissionPolicy, 'ListOwnReadScopes', (s) => ({
          ...s,
          Condition: { StringLike: { 's3:prefix': [`${r.prefix}/\${aws:PrincipalTag/cache-repo}/*`] } },
        })),
      }),
    ],
    [
      'trust without the tag-key allow list',
      (r) => ({
        trust: mutate(r.trustPolicy, 'OnlyTheBrokerWithTheIsolationTags', (s) => withoutCondition(s, 'ForAllValues:StringEquals')),
      }),
    ],
    [
      'trust without the slash check',
      (r) => ({
        trust: mutate(r.trustPolicy, 'OnlyTheBrokerWithTheIsolationTags', (s) => withoutCondition(s, 'StringNotLike')),
      }),
    ],
    [
      'trust of the whole account',
      (r) => ({
        trust: mutate(r.trustPolicy, 'OnlyTheBrokerWithTheIsolationTags', (s) => ({
          ...s,
          Principal: { AWS: `arn:aws:iam::${r.account}:root` },
        })),
      }),
    ],
  ];

  test.each(mutants)('a wrong policy fails the matrix: %s', async (_name, make) => {
    const policies = rendered();
    const mutant = make(policies);
    // Each mutant changes one document: only its cells are evaluated.
    const result = await evaluate(
      mutant.permission ? s3Cells(policies, mutant.permission) : [],
      mutant.trust ? trustCells(policies, mutant.trust) : [],
      1,
    );
    expect(result.differences.length).toBeGreaterThan(0);
    process.stdout.write(`mutant caught after ${result.cells} cells: ${result.differences[0]}\n`);
  });
});
