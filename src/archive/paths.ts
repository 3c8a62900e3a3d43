/**
 * Resolves the path lines like upstream (actions/cache's resolvePaths over @actions/glob): patterns
 * with `~` expansion and `!` exclusions, no implicit descendants (tar adds a folder's contents),
 * made relative to the workspace with '/' separators.
 *
 * Each line is read as @actions/glob reads it: trimmed; empty or starting with '#' is skipped; each
 * leading '!' (spaces after it ignored) flips between exclusion and inclusion; "." may only be the
 * first segment and ".." none. What we add is the root: upstream leaves a relative line to
 * @actions/glob, which roots it at the step's working directory with that directory escaped (so
 * `[1]` in `…/proj[1]` stays a literal); we root it at the workspace ourselves, escaped the same
 * way, so the result does not depend on the process's cwd.
 *
 * When every line is a plain path (no pattern characters, no exclusion, no trailing slash: most
 * workflows), the paths that exist are the result and @actions/glob is not loaded at all (it and its
 * dependencies are a large part of the bundle).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadActionsGlob } from '../runner/lazy';

/** One line of the path input as @actions/glob reads it; undefined: blank or a comment. */
export interface PathLine {
  /** An exclusion (an odd number of leading '!'). */
  negate: boolean;
  /** The pattern after the '!' marks, trimmed; never empty. */
  pattern: string;
}

/** Error for a line upstream refuses too (its save then warns and stores nothing, as ours does). */
function invalidLine(line: string, why: string): Error {
  return new Error(
    `path line "${line}" ${why} (actions/cache refuses it too): write a path relative to the workspace, an absolute path or a ~/ path.`,
  );
}

/**
 * A segment as a literal name, or '' when it holds a wildcard: what @actions/glob compares with "."
 * and "..". `\x` is x (POSIX), `[x]` of one character is x.
 */
function literalSegment(segment: string, windows: boolean): string {
  const escapes = !windows;
  let literal = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\' && escapes && i + 1 < segment.length) {
      literal += segment[++i];
      continue;
    }
    if (c === '*' || c === '?') return '';
    if (c === '[' && i + 1 < segment.length) {
      let set = '';
      let close = -1;
      for (let j = i + 1; j < segment.length; j++) {
        if (segment[j] === '\\' && escapes && j + 1 < segment.length) set += segment[++j];
        else if (segment[j] === ']') {
          close = j;
          break;
        } else set += segment[j];
      }
      if (close >= 0 && set.length > 1) return '';
      if (close >= 0 && set.length === 1) {
        literal += set;
        i = close;
        continue;
      }
    }
    literal += c;
  }
  return literal;
}

export function parseLine(line: string, platform: NodeJS.Platform = process.platform): PathLine | undefined {
  let pattern = line.trim();
  if (pattern === '' || pattern.startsWith('#')) return undefined;
  let negate = false;
  while (pattern.startsWith('!')) {
    negate = !negate;
    pattern = pattern.slice(1).trim();
  }
  if (pattern === '') throw invalidLine(line, "has nothing after '!'");
  const windows = platform === 'win32';
  const segments = pattern.split(windows ? /[\\/]+/ : /\/+/).filter((s, i) => s !== '' || i === 0);
  const literals = segments.map((s) => literalSegment(s, windows));
  if (literals.some((s, i) => s === '..' || (s === '.' && i > 0)))
    throw invalidLine(line, 'has a "." or ".." segment');
  return { negate, pattern };
}

/** A literal folder name as a glob pattern that matches only itself (as @actions/glob escapes cwd and ~). */
export function escapeGlob(literal: string, platform: NodeJS.Platform = process.platform): string {
  // '\' is the escape character on POSIX and a separator on Windows; a set of one character is
  // literal on both, and needs no closing ']' to be looked for (a lone ']' is literal).
  const escaped = platform === 'win32' ? literal : literal.replace(/\\/g, '\\\\');
  return escaped.replace(/[[*?]/g, '[$&]');
}

function isHomeLine(pattern: string): boolean {
  return pattern === '~' || pattern.startsWith('~/');
}

/** The absolute glob pattern of a line's pattern: the workspace and home escaped, absolute lines as written. */
function rootedPattern(pattern: string, workspace: string, home: string): string {
  if (isHomeLine(pattern)) return escapeGlob(home) + pattern.slice(1);
  if (path.isAbsolute(pattern)) return pattern;
  const root = escapeGlob(path.resolve(workspace));
  if (pattern === '.' || pattern.startsWith('./')) return root + pattern.slice(1);
  return root.endsWith('/') ? root + pattern : `${root}/${pattern}`;
}

/** A line as @actions/glob reads it, rooted; comments and blank lines unchanged (it skips them). */
export function rootPattern(line: string, workspace: string, home: string = homedir()): string {
  const parsed = parseLine(line);
  if (!parsed) return line;
  return (parsed.negate ? '!' : '') + rootedPattern(parsed.pattern, workspace, home);
}

/** A line that names one path: nothing @actions/glob would read as a pattern, comment or exclusion. */
export function isPlainPath(pattern: string): boolean {
  if (pattern === '' || /[*?[\]{}()!+@#\\]/.test(pattern) || /[/\\]$/.test(pattern)) return false;
  return !pattern.startsWith('~') || isHomeLine(pattern);
}

/**
 * Whether an entry of these lines may hold members outside the workspace (`../…` or absolute names):
 * only an included `~` or absolute line can resolve there. Otherwise restore extracts without tar's
 * -P, so tar refuses any such member instead of writing outside the workspace.
 */
export function mayLeaveWorkspace(lines: readonly string[]): boolean {
  return lines.some((line) => {
    let parsed: PathLine | undefined;
    try {
      parsed = parseLine(line);
    } catch {
      return false; // a refused line saves nothing
    }
    return (
      parsed !== undefined &&
      !parsed.negate &&
      (isHomeLine(parsed.pattern) || path.isAbsolute(parsed.pattern))
    );
  });
}

/** The plain paths that exist (following symbolic links, as @actions/glob does), each once. */
async function existingPaths(
  patterns: readonly string[],
  workspace: string,
  home: string,
): Promise<string[]> {
  const found = new Set<string>();
  for (const line of patterns) {
    const parsed = parseLine(line);
    if (!parsed) continue;
    const absolute = isHomeLine(parsed.pattern)
      ? path.join(home, parsed.pattern.slice(1))
      : path.resolve(workspace, parsed.pattern);
    const exists = await stat(absolute).then(
      () => true,
      () => false,
    );
    if (exists) found.add(absolute);
  }
  return [...found];
}

async function globPaths(patterns: readonly string[], workspace: string, home: string): Promise<string[]> {
  const rooted = patterns.map((pattern) => rootPattern(pattern, workspace, home)); // refuses bad lines first
  const glob = await loadActionsGlob();
  const globber = await glob.create(rooted.join('\n'), { implicitDescendants: false });
  const files: string[] = [];
  for await (const file of globber.globGenerator()) files.push(file);
  return files;
}

function relativeName(workspace: string, file: string): string {
  const relative = path.relative(workspace, file).split(path.sep).join('/');
  return relative === '' ? '.' : relative;
}

export async function resolvePaths(
  patterns: readonly string[],
  workspace: string,
  home: string = homedir(),
): Promise<string[]> {
  const files = patterns.every(isPlainPath)
    ? await existingPaths(patterns, workspace, home)
    : await globPaths(patterns, workspace, home);
  const names = files.map((file) => relativeName(workspace, file));
  // Relative lines are rooted at the escaped workspace, so this cannot happen; if it ever did, the
  // entry would restore outside the workspace, so nothing is saved.
  const outside = names.find((name) => name === '..' || name.startsWith('../') || path.isAbsolute(name));
  if (outside !== undefined && !mayLeaveWorkspace(patterns))
    throw new Error(
      `path resolved to ${outside}, outside the workspace, from relative lines only: not saved.`,
    );
  return names;
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
