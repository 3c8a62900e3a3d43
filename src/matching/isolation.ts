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
