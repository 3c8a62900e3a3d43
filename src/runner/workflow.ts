/**
 * The runner's side of a step, written out: inputs from INPUT_* variables, log lines and workflow
 * commands on stdout, outputs, state and variables through the GITHUB_OUTPUT / GITHUB_STATE /
 * GITHUB_ENV files, and the OIDC token from the runner's token service. It replaces @actions/core
 * on the fast path: that package loads an HTTP client with undici (a third of the bundle), which
 * cost every step 100–170 ms of loading and compiling before it did anything. Behaviour is the
 * runner's documented protocol and byte for byte what @actions/core 2.x writes
 * (test/unit/runner/protocol-differential.test.ts runs both on the same inputs):
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';
import { IdTokenOptions, requestIdToken } from './id-token';

export { IdTokenError, proxyConfigured } from './id-token';
export type { IdTokenFailure, IdTokenOptions } from './id-token';

/** `%`, CR and LF escaped, as the runner unescapes a command's message. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The message escaping plus `:` and `,`, for a command's properties. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type Write = (text: string) => void;
const stdout: Write = (text) => {
  process.stdout.write(text);
};

/**
 * `::name prop=value,…::message` on a line of its own. Properties without a value are left out
 * (the space after the name stays whenever properties were given, as core writes it).
 */
export function command(
  name: string,
  message: string,
  properties: Record<string, string | number | undefined> = {},
  write: Write = stdout,
): void {
  const entries = Object.entries(properties);
  const props = entries
    .filter(([, value]) => value !== undefined && value !== '' && value !== 0)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  write(`::${name}${entries.length > 0 ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

/** Where an annotation points (lines and columns count from 1). */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

/** The runner's property names for an annotation, in the order core writes them. */
function annotation(properties: AnnotationProperties): Record<string, string | number | undefined> {
  if (Object.keys(properties).length === 0) return {};
  return {
    title: properties.title,
    file: properties.file,
    line: properties.startLine,
    endLine: properties.endLine,
    col: properties.startColumn,
    endColumn: properties.endColumn,
  };
}

export interface InputOptions {
  /** Fail when the input is unset or empty (before trimming, as core checks). */
  required?: boolean;
  /** Trim leading and trailing white space (default true). */
  trimWhitespace?: boolean;
}

/** An input as the runner passes it (INPUT_<NAME>, spaces as underscores), trimmed. */
export function getInput(
  name: string,
  options: InputOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): string {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
  if (options.required && !value) {
    throw new Error(`Input required and not supplied: ${name}`);
  }
  return options.trimWhitespace === false ? value : value.trim();
}

/** An input's non-empty lines, each trimmed unless trimWhitespace is false. */
export function getMultilineInput(
  name: string,
  options: InputOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const lines = getInput(name, options, env)
    .split('\n')
    .filter((line) => line !== '');
  return options.trimWhitespace === false ? lines : lines.map((line) => line.trim());
}

/** A YAML 1.2 core-schema boolean: true, True, TRUE, false, False or FALSE; anything else fails. */
export function getBooleanInput(
  name: string,
  options: InputOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const value = getInput(name, options, env);
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new TypeError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
      'Support boolean input list: `true | True | TRUE | false | False | FALSE`',
  );
}

export function info(message: string, write: Write = stdout): void {
  write(`${message}${EOL}`);
}

export function debug(message: string, write: Write = stdout): void {
  command('debug', message, {}, write);
}

export function warning(message: string, properties: AnnotationProperties = {}, write: Write = stdout): void {
  command('warning', message, annotation(properties), write);
}

export function error(message: string, properties: AnnotationProperties = {}, write: Write = stdout): void {
  command('error', message, annotation(properties), write);
}

export function notice(message: string, properties: AnnotationProperties = {}, write: Write = stdout): void {
  command('notice', message, annotation(properties), write);
}

/** Starts a foldable group in the log, until endGroup. */
export function startGroup(name: string, write: Write = stdout): void {
  command('group', name, {}, write);
}

export function endGroup(write: Write = stdout): void {
  command('endgroup', '', {}, write);
}

/** Masks a value in the job's logs from here on. */
export function setSecret(secret: string, write: Write = stdout): void {
  command('add-mask', secret, {}, write);
}

/** Marks the step failed (exit code 1 when the process ends) with an error annotation. */
export function setFailed(message: string, write: Write = stdout): void {
  process.exitCode = 1;
  error(message, {}, write);
}

/**
 * `name<<delimiter` / value / `delimiter` for a runner file (GITHUB_OUTPUT, GITHUB_STATE,
 * GITHUB_ENV), without the final line end. The runner reads the value up to the first line that
 * is exactly the delimiter, so the delimiter is random and must not occur in the name or value.
 */
export function fileCommandEntry(
  name: string,
  value: string,
  delimiter = `ghadelimiter_${randomUUID()}`,
): string {
  // The runner splits the first line at its first `=` or `<<`: such a name would be misread
  // (core writes it anyway, and the runner then fails the step's file commands).
  if (!name || name.includes('=') || name.includes('<<') || /[\r\n]/.test(name)) {
    throw new Error(
      `Cannot write ${JSON.stringify(name)} to a runner file: a name must not be empty or contain "=", "<<" or a line end`,
    );
  }
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Unexpected input: the name or value of ${name} contains the delimiter ${delimiter}`);
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

type FileCommand = 'GITHUB_OUTPUT' | 'GITHUB_STATE' | 'GITHUB_ENV';

/** Appends an entry to a runner file; false when the variable is unset (an old runner). */
function fileCommand(variable: FileCommand, name: string, value: string, env: NodeJS.ProcessEnv): boolean {
  const file = env[variable];
  if (!file) return false;
  // The runner creates the file before the step; a missing one is not read afterwards.
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file} (${variable})`);
  appendFileSync(file, `${fileCommandEntry(name, value)}${EOL}`, 'utf8');
  return true;
}

export function setOutput(name: string, value: string, env = process.env, write: Write = stdout): void {
  if (fileCommand('GITHUB_OUTPUT', name, value, env)) return;
  // A runner too old for file commands: the (deprecated) stdout command, on a fresh line.
  write(EOL);
  command('set-output', value, { name }, write);
}

export function saveState(name: string, value: string, env = process.env, write: Write = stdout): void {
  if (fileCommand('GITHUB_STATE', name, value, env)) return;
  command('save-state', value, { name }, write);
}

/** Sets a variable for this process and, through GITHUB_ENV, for the job's later steps. */
export function exportVariable(name: string, value: string, env = process.env, write: Write = stdout): void {
  env[name] = value;
  if (fileCommand('GITHUB_ENV', name, value, env)) return;
  command('set-env', value, { name }, write);
}

/** State saved by this action's main step, in the post step (STATE_<name>). */
export function getState(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`STATE_${name}`] ?? '';
}

/**
 * An OIDC ID token for `audience` from the runner's token service, with @actions/core's retries
 * and redirects and a deadline (src/runner/id-token.ts); the token is masked before it returns.
 */
export function getIDToken(
  audience: string,
  env: NodeJS.ProcessEnv = process.env,
  options: IdTokenOptions = {},
  write: Write = stdout,
): Promise<string> {
  return requestIdToken(
    audience,
    env,
    { debug: (m) => debug(m, write), mask: (s) => setSecret(s, write) },
    options,
  );
}
