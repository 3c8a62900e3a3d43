/**
 * Resolves the path input like upstream's cache utils: @actions/glob patterns (with `~` expansion
 * and `!` exclusions, no implicit descendants; tar adds a folder's contents), made relative to the
 * workspace with '/' separators.
 */
import * as glob from '@actions/glob';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** Roots a relative pattern at the workspace (upstream relies on the step's cwd being the workspace). */
export function rootPattern(pattern: string, workspace: string): string {
  const negation = /^!*/.exec(pattern)?.[0] ?? '';
  const rest = pattern.slice(negation.length);
  if (rest.startsWith('~') || path.isAbsolute(rest) || rest.startsWith('#')) return pattern;
  return negation + path.join(workspace, rest);
}

export async function resolvePaths(patterns: readonly string[], workspace: string): Promise<string[]> {
  const rooted = patterns.map((pattern) => rootPattern(pattern, workspace));
  const globber = await glob.create(rooted.join('\n'), { implicitDescendants: false });
  const paths: string[] = [];
  for await (const file of globber.globGenerator()) {
    const relative = path.relative(workspace, file).split(path.sep).join('/');
    paths.push(relative === '' ? '.' : relative);
  }
  return paths;
}

export interface Manifest {
  path: string;
  remove(): Promise<void>;
}

/** Writes the NUL-separated list tar reads with --null -T, in a private temporary folder. */
export async function writeManifest(
  paths: readonly string[],
  tempRoot = process.env.RUNNER_TEMP || tmpdir(),
): Promise<Manifest> {
  const folder = await mkdtemp(path.join(tempRoot, 'dazn-cache-'));
  const file = path.join(folder, 'manifest.txt');
  await writeFile(file, paths.map((p) => `${p}\0`).join(''));
  return { path: file, remove: () => rm(folder, { recursive: true, force: true }) };
}
