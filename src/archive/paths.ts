/**
 * Resolves the path input like upstream's cache utils: @actions/glob patterns (with `~` expansion
 * and `!` exclusions, no implicit descendants; tar adds a folder's contents), made relative to the
 * workspace with '/' separators. When every line is a plain path (no pattern characters, no
 * exclusion, no trailing slash: most workflows), the paths that exist are the result and
 * @actions/glob is not loaded at all (it and its dependencies are a large part of the bundle).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadActionsGlob } from '../runner/lazy';

/** Roots a relative pattern at the workspace (upstream relies on the step's cwd being the workspace). */
export function rootPattern(pattern: string, workspace: string): string {
  const negation = /^!*/.exec(pattern)?.[0] ?? '';
  const rest = pattern.slice(negation.length);
  if (rest.startsWith('~') || path.isAbsolute(rest) || rest.startsWith('#')) return pattern;
  return negation + path.join(workspace, rest);
}

/** A line that names one path: nothing @actions/glob would read as a pattern, comment or exclusion. */
export function isPlainPath(pattern: string): boolean {
  if (pattern === '' || /[*?[\]{}()!+@#\\]/.test(pattern) || /[/\\]$/.test(pattern)) return false;
  return !pattern.startsWith('~') || pattern === '~' || pattern.startsWith('~/');
}

/** The plain paths that exist (following symbolic links, as @actions/glob does), each once. */
async function existingPaths(patterns: readonly string[], workspace: string): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const absolute = pattern.startsWith('~')
      ? path.join(homedir(), pattern.slice(1))
      : path.resolve(workspace, pattern);
    const exists = await stat(absolute).then(
      () => true,
      () => false,
    );
    if (exists) found.add(absolute);
  }
  return [...found];
}

async function globPaths(patterns: readonly string[], workspace: string): Promise<string[]> {
  const glob = await loadActionsGlob();
  const rooted = patterns.map((pattern) => rootPattern(pattern, workspace));
  const globber = await glob.create(rooted.join('\n'), { implicitDescendants: false });
  const files: string[] = [];
  for await (const file of globber.globGenerator()) files.push(file);
  return files;
}

export async function resolvePaths(patterns: readonly string[], workspace: string): Promise<string[]> {
  const files = patterns.every(isPlainPath)
    ? await existingPaths(patterns, workspace)
    : await globPaths(patterns, workspace);
  return files.map((file) => {
    const relative = path.relative(workspace, file).split(path.sep).join('/');
    return relative === '' ? '.' : relative;
  });
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
