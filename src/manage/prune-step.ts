/**
 * The prune/ step: the same prune as `dazn-cache prune`, its inputs turned into the command's
 * options. For a scheduled workflow (README: "Managing the cache").
 */
import * as core from '@actions/core';
import { runCli } from './cli';

function argsFromInputs(): string[] {
  const args = ['prune'];
  const options: [input: string, option: string][] = [
    ['max-size', '--max-size'],
    ['unused-for', '--unused-for'],
    ['repo', '--repo'],
    ['bucket', '--bucket'],
    ['prefix', '--prefix'],
    ['endpoint', '--endpoint'],
    ['region', '--region'],
  ];
  for (const [input, option] of options) {
    const value = core.getInput(input);
    if (value) args.push(option, value);
  }
  if (core.getBooleanInput('dry-run')) args.push('--dry-run');
  // A scheduled prune covers the organisation unless one repository is named.
  if (!core.getInput('repo')) args.push('--org');
  return args;
}

async function main(): Promise<void> {
  let count = 0;
  let bytes = 0;
  const code = await runCli(argsFromInputs(), {
    out: (line) => core.info(line),
    err: (line) => core.info(line),
    env: process.env,
    onEvicted: (entry) => {
      count += 1;
      bytes += entry.sizeInBytes;
    },
  });
  core.setOutput('deleted-count', String(count));
  core.setOutput('deleted-bytes', String(bytes));
  if (code !== 0) core.setFailed(`prune failed (exit ${code}); see the lines above`);
}

main().catch((error: unknown) => core.setFailed(String(error)));
