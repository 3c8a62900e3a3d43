/**
 * The object layout and session-tag contract of isolated mode (a credential broker in front of STS).
 *
 * In isolated mode AWS, not the action, decides what a job may touch: the broker verifies the job's
 * GitHub OIDC token and calls sts:AssumeRole with the session tags below, and the cache role's
 * permission policy puts `${aws:PrincipalTag/<tag>}` into the S3 resource ARNs. Tag values may hold
 * only letters, digits, spaces and `_.:/=+-@` (at most 256 characters), so the layout uses the
 * numeric repository id (stable across renames, no case folding) and a hash of the ref (any ref,
 * whatever its characters or length, gives a 44-character value) instead of encoded names.
 *
 *   <prefix>/repo-<repository_id>/ref-<40 hex of sha256(ref)>/<version>/<encoded key>
 *
 * One module for the broker (which sets the tags), the action (which names the objects) and the
 * Terraform policy test (which checks that the policy allows exactly these keys).
 */
import { createHash } from 'node:crypto';

/** Session tag keys the broker sets and the cache role's policy reads as `${aws:PrincipalTag/<key>}`. */
export const ISOLATION_TAGS = {
  /** `repo-<repository_id>`: the only repository folder the session can list, read or write. */
  repository: 'cache-repo',
  /** The scope the session may write (its own ref), or NO_SCOPE when the trigger is read-only. */
  write: 'cache-write',
  /** The scopes the session may list and read: its own ref, the pull request's base, the default branch. */
  readRef: 'cache-read-ref',
  readBase: 'cache-read-base',
  readDefault: 'cache-read-default',
} as const;

/** Tag value for "no such scope": never produced by scopeSegment, so it matches no object. */
export const NO_SCOPE = 'none';

/** Hex digits of SHA-256(ref) in a scope segment: 160 bits, no collisions among real refs. */
const SCOPE_HASH_CHARS = 40;

/** `repo-<id>` for GitHub's numeric repository id (the OIDC token's repository_id claim). */
export function repositorySegment(repositoryId: string): string {
  if (!/^[1-9][0-9]{0,19}$/.test(repositoryId)) {
    throw new Error(
      `The repository id ${JSON.stringify(repositoryId)} is not a GitHub repository id (digits only): ` +
        'isolated mode needs the repository_id claim of the job token (GITHUB_REPOSITORY_ID).',
    );
  }
  return `repo-${repositoryId}`;
}

/** `ref-<40 hex of sha256(ref)>` for a full ref such as refs/heads/main or refs/pull/7/merge. */
export function scopeSegment(ref: string): string {
  if (!ref.startsWith('refs/')) {
    throw new Error(
      `The ref ${JSON.stringify(ref)} is not a full Git ref (refs/heads/…, refs/tags/…, refs/pull/…): ` +
        'isolated mode names scopes by the job token’s ref claim (GITHUB_REF).',
    );
  }
  return `ref-${createHash('sha256').update(ref, 'utf8').digest('hex').slice(0, SCOPE_HASH_CHARS)}`;
}

/** What the broker reads from a verified job token (GitHub OIDC claims of the same names). */
export interface JobClaims {
  /** repository_id: digits. */
  repositoryId: string;
  /** ref: the full ref the job runs on (for pull_request events refs/pull/N/merge). */
  ref: string;
  /** event_name. */
  eventName: string;
  /** base_ref: the pull request's base branch name (pull_request events), else empty. */
  baseRef?: string;
}

/**
 * Events anyone can set off (not only collaborators), and whose job runs with the base repository's
 * identity: their jobs never write, on any ref. GitHub makes the first three read-only on the
 * default branch (changelog 2026-06-26, "Read-only Actions cache for untrusted triggers"); we make
 * them read-only on every ref, since a release branch's cache is as worth poisoning.
 */
export const UNTRUSTED_EVENTS: readonly string[] = ['pull_request_target', 'issue_comment', 'workflow_run'];

/**
 * The events that may write the default branch's scope: the ones GitHub names as keeping read-write
 * caching there. Any other event on the default branch (issues, watch, discussion, fork, …, which
 * non-collaborators can set off) is read-only.
 */
export const DEFAULT_BRANCH_WRITERS: readonly string[] = [
  'push',
  'schedule',
  'workflow_dispatch',
  'repository_dispatch',
  'delete',
  'registry_package',
  'page_build',
];

export interface ScopeGrant {
  ref: string;
  /** scopeSegment(ref). */
  scope: string;
}

export interface IsolationGrant {
  /** repositorySegment(repositoryId). */
  repository: string;
  /** The scope the job may write, or null when its trigger is read-only. */
  write: ScopeGrant | null;
  /** Why write is null, for the action's warning. */
  readOnlyReason?: string;
  /** The scopes the job may read, in restore order: its ref, the base branch, the default branch. */
  read: ScopeGrant[];
  /** The session tags that make AWS enforce exactly this (ISOLATION_TAGS keys, every one set). */
  tags: Record<string, string>;
}

function grant(ref: string): ScopeGrant {
  return { ref, scope: scopeSegment(ref) };
}

/**
 * What a job may read and write, from its verified claims and its repository's default branch
 * (a branch name such as main; undefined when unknown: then no default-branch scope is read, and a
 * branch job writes only when its event is one of DEFAULT_BRANCH_WRITERS).
 */
export function isolationGrant(claims: JobClaims, defaultBranch: string | undefined): IsolationGrant {
  const repository = repositorySegment(claims.repositoryId);
  const own = grant(claims.ref);
  const defaultRef = defaultBranch ? `refs/heads/${defaultBranch}` : undefined;

  // A branch job whose default branch is unknown is treated as on the default branch.
  const onDefault =
    defaultRef === undefined ? claims.ref.startsWith('refs/heads/') : claims.ref === defaultRef;
  let readOnlyReason: string | undefined;
  if (UNTRUSTED_EVENTS.includes(claims.eventName)) {
    readOnlyReason =
      `the ${claims.eventName} trigger can be set off by people without write access to the repository, ` +
      'so its jobs only restore (save from a push, schedule or workflow_dispatch workflow instead)';
  } else if (onDefault && !DEFAULT_BRANCH_WRITERS.includes(claims.eventName)) {
    readOnlyReason =
      `the ${claims.eventName} trigger on the default branch can be set off by people without write access, ` +
      `so it only restores; the default branch's caches are written by ${DEFAULT_BRANCH_WRITERS.join(', ')}`;
  }

  const read = [own];
  if (claims.baseRef) read.push(grant(`refs/heads/${claims.baseRef}`));
  if (defaultRef) read.push(grant(defaultRef));
  const unique = read.filter((g, i) => read.findIndex((o) => o.scope === g.scope) === i);

  const write = readOnlyReason === undefined ? own : null;
  const base = claims.baseRef ? scopeSegment(`refs/heads/${claims.baseRef}`) : NO_SCOPE;
  const tags: Record<string, string> = {
    [ISOLATION_TAGS.repository]: repository,
    [ISOLATION_TAGS.write]: write ? write.scope : NO_SCOPE,
    [ISOLATION_TAGS.readRef]: own.scope,
    [ISOLATION_TAGS.readBase]: base,
    [ISOLATION_TAGS.readDefault]: defaultRef ? scopeSegment(defaultRef) : NO_SCOPE,
  };
  return { repository, write, ...(readOnlyReason ? { readOnlyReason } : {}), read: unique, tags };
}
