/**
 * Candidate scopes for a restore, in order: the current ref (for pull requests
 * refs/pull/N/merge), the pull request's base branch, the repository's default branch.
 */
export interface RefContext {
  ref: string;
  baseRef?: string;
  defaultBranch?: string;
}

export function restoreScopes(context: RefContext): string[] {
  const scopes = [context.ref];
  if (context.baseRef) scopes.push(`refs/heads/${context.baseRef}`);
  if (context.defaultBranch) scopes.push(`refs/heads/${context.defaultBranch}`);
  return scopes.filter((scope, index) => scope !== '' && scopes.indexOf(scope) === index);
}

/** Saves go only into the current ref's scope. */
export function saveScope(context: RefContext): string {
  return context.ref;
}
