/**
 * The images push role's policies, as stack 01-ecr's mocked-provider test rendered them, against the
 * rule (push-role-matrix.ts). Run by infra/terraform/test.sh after that test, which writes the
 * rendered documents to the file named by DAZN_RENDERED_PUSH_ROLE.
 */
import { mutate, type PolicyStatement } from './policy-matrix';
import {
  PUSH_ACTIONS,
  evaluatePushRole,
  imageRepositories,
  permissionCells,
  readRenderedPushRole,
  trustCells,
  type RenderedPushRole,
} from './push-role-matrix';

const renderedPath = process.env.DAZN_RENDERED_PUSH_ROLE;

function rendered(): RenderedPushRole {
  if (!renderedPath) {
    throw new Error(
      'DAZN_RENDERED_PUSH_ROLE is not set: run this test through infra/terraform/test.sh ' +
        '(TF_TEST_PARTS=policy bash infra/terraform/test.sh), which renders the push role with terraform first.',
    );
  }
  return readRenderedPushRole(renderedPath);
}

const SUB = 'token.actions.githubusercontent.com:sub';
const AUD = 'token.actions.githubusercontent.com:aud';

/** The StringEquals block of a trust statement without one key (the module must still have it). */
function equalsWithout(statement: PolicyStatement, key: string): Record<string, string | string[]> {
  const equals = statement.Condition?.StringEquals ?? {};
  if (!(key in equals)) throw new Error(`The trust statement has no StringEquals on ${key}: update the mutant to the module.`);
  return Object.fromEntries(Object.entries(equals).filter(([k]) => k !== key));
}

/** The trust statement with its sub condition moved to StringLike with the given pattern. */
function subLike(statement: PolicyStatement, pattern: string): PolicyStatement {
  return { ...statement, Condition: { StringEquals: equalsWithout(statement, SUB), StringLike: { [SUB]: pattern } } };
}

describe('the images push role (modules/images-push-role in stack 01-ecr, rendered by terraform)', () => {
  jest.setTimeout(600_000);

  test('the role reaches the repositories the stack creates, which are those of images.json', () => {
    const policies = rendered();
    expect(policies.createdRepositories).toEqual(imageRepositories());
    expect(imageRepositories().length).toBeGreaterThan(0);
  });

  test('every cell of the permissions and of the trust is as the rule says', async () => {
    const policies = rendered();
    const permissions = await evaluatePushRole(permissionCells(policies));
    const trust = await evaluatePushRole(trustCells(policies));
    process.stdout.write(
      `push role matrix: ${permissions.cells + trust.cells} cells (${permissions.cells} permission, ${trust.cells} trust), ` +
        `${permissions.allows + trust.allows} allows, ${permissions.denies + trust.denies} denies, ` +
        `${permissions.differences.length + trust.differences.length} differences from the rule\n`,
    );
    expect([...permissions.differences, ...trust.differences]).toEqual([]);
    // Allowed: every push action on every repository, the login, and exactly one way in.
    expect(permissions.allows).toBe(imageRepositories().length * PUSH_ACTIONS.length + 1);
    expect(trust.allows).toBe(1);
  });

  // Tests of the test: each wrong policy must make at least one cell differ.
  const mutants: [string, (r: RenderedPushRole) => { permission?: RenderedPushRole['permissionPolicy']; trust?: RenderedPushRole['trustPolicy'] }][] = [
    [
      'push to every repository',
      (r) => ({ permission: mutate(r.permissionPolicy, 'PushToTheImageRepositories', (s) => ({ ...s, Resource: '*' })) }),
    ],
    [
      'push to every repository under the prefix',
      (r) => ({
        permission: mutate(r.permissionPolicy, 'PushToTheImageRepositories', (s) => ({
          ...s,
          Resource: `arn:aws:ecr:${r.region}:${r.account}:repository/${imageRepositories()[0].split('/')[0]}/*`,
        })),
      }),
    ],
    [
      'every ECR action on the image repositories',
      (r) => ({ permission: mutate(r.permissionPolicy, 'PushToTheImageRepositories', (s) => ({ ...s, Action: 'ecr:*' })) }),
    ],
    [
      'one image repository missing',
      (r) => ({
        permission: mutate(r.permissionPolicy, 'PushToTheImageRepositories', (s) => ({
          ...s,
          Resource: (Array.isArray(s.Resource) ? s.Resource : [s.Resource ?? '']).slice(1),
        })),
      }),
    ],
    [
      'without BatchGetImage (publish.sh could not see a tag already pushed)',
      (r) => ({
        permission: mutate(r.permissionPolicy, 'PushToTheImageRepositories', (s) => ({
          ...s,
          Action: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== 'ecr:BatchGetImage'),
        })),
      }),
    ],
    [
      'S3 besides',
      (r) => ({
        permission: {
          ...r.permissionPolicy,
          Statement: [...r.permissionPolicy.Statement, { Sid: 'Extra', Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        },
      }),
    ],
    [
      'trust of any ref of the repository',
      (r) => ({ trust: mutate(r.trustPolicy, 'ImagesWorkflowOnOneBranch', (s) => subLike(s, 'repo:dazn/cache:*')) }),
    ],
    [
      'trust of every repository of the owner on main',
      (r) => ({ trust: mutate(r.trustPolicy, 'ImagesWorkflowOnOneBranch', (s) => subLike(s, 'repo:dazn/*:ref:refs/heads/main')) }),
    ],
    [
      'trust of any ref kind named main (refs/*/main)',
      (r) => ({ trust: mutate(r.trustPolicy, 'ImagesWorkflowOnOneBranch', (s) => subLike(s, 'repo:dazn/cache:ref:refs/*/main')) }),
    ],
    [
      'trust without the audience',
      (r) => ({
        trust: mutate(r.trustPolicy, 'ImagesWorkflowOnOneBranch', (s) => ({
          ...s,
          Condition: { StringEquals: equalsWithout(s, AUD) },
        })),
      }),
    ],
    [
      // (A provider of another account in the trust would never match: IAM validates the token with
      // the role's own account's provider; the matrix's cell for it is denied either way.)
      'trust of another OIDC provider of the account too',
      (r) => ({
        trust: mutate(r.trustPolicy, 'ImagesWorkflowOnOneBranch', (s) => ({
          ...s,
          Principal: { Federated: [r.oidcProviderArn, `arn:aws:iam::${r.account}:oidc-provider/gitlab.com`] },
        })),
      }),
    ],
  ];

  test.each(mutants)('a wrong policy fails the matrix: %s', async (_name, make) => {
    const policies = rendered();
    const mutant = make(policies);
    const result = await evaluatePushRole(
      [
        ...(mutant.permission ? permissionCells(policies, mutant.permission) : []),
        ...(mutant.trust ? trustCells(policies, mutant.trust) : []),
      ],
      1,
    );
    expect(result.differences.length).toBeGreaterThan(0);
    process.stdout.write(`mutant caught after ${result.cells} cells: ${result.differences[0]}\n`);
  });
});
