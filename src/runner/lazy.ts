/**
 * Packages loaded only on the paths that need them. `require.ensure` makes ncc put each into its
 * own chunk file next to the bundle, so a step that does not need it never reads or compiles it:
 * @actions/cache (the fallback to GitHub's cache service), @actions/glob (path inputs with
 * patterns) and @actions/core (the OIDC token request behind a proxy; it brings undici). Outside a
 * bundle (ts-jest) Node's require has no `ensure`, and the package is required directly; webpack
 * folds `typeof require.ensure` to "function" and drops that branch.
 */
export type ActionsCache = typeof import('@actions/cache');
export type ActionsGlob = typeof import('@actions/glob');
export type ActionsCore = typeof import('@actions/core');

interface EnsuringRequire {
  ensure?(
    deps: string[],
    callback: (req: NodeJS.Require) => void,
    onError: (error: Error) => void,
    name: string,
  ): void;
}

/* eslint-disable @typescript-eslint/no-require-imports -- the point of this module */
export function loadActionsCache(): Promise<ActionsCache> {
  if (typeof (require as unknown as EnsuringRequire).ensure !== 'function')
    return Promise.resolve(require('@actions/cache') as ActionsCache);
  return new Promise((resolve, reject) => {
    (require as unknown as Required<EnsuringRequire>).ensure(
      ['@actions/cache'],
      (require) => resolve(require('@actions/cache') as ActionsCache),
      reject,
      'actions-cache',
    );
  });
}

export function loadActionsGlob(): Promise<ActionsGlob> {
  if (typeof (require as unknown as EnsuringRequire).ensure !== 'function')
    return Promise.resolve(require('@actions/glob') as ActionsGlob);
  return new Promise((resolve, reject) => {
    (require as unknown as Required<EnsuringRequire>).ensure(
      ['@actions/glob'],
      (require) => resolve(require('@actions/glob') as ActionsGlob),
      reject,
      'actions-glob',
    );
  });
}

export function loadActionsCore(): Promise<ActionsCore> {
  if (typeof (require as unknown as EnsuringRequire).ensure !== 'function')
    return Promise.resolve(require('@actions/core') as ActionsCore);
  return new Promise((resolve, reject) => {
    (require as unknown as Required<EnsuringRequire>).ensure(
      ['@actions/core'],
      (require) => resolve(require('@actions/core') as ActionsCore),
      reject,
      'actions-core',
    );
  });
}
/* eslint-enable @typescript-eslint/no-require-imports */
