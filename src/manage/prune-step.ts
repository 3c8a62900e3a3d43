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
  const lines: string[] = [];
  const code = await runCli(argsFromInputs(), {
    out: (line) => {
      lines.push(line);
      core.info(line);
    },
    err: (line) => core.info(line),
    env: process.env,
  });
  core.setOutput(
    'deleted-count',
    String(lines.filter((line) => /^(would delete|deleted)\t/.test(line)).length),
  );
  core.setOutput(
    'deleted-bytes',
    String(lines.reduce((sum, line) => sum + (Number(line.split('\t')[4]) || 0), 0)),
  );
  if (code !== 0) core.setFailed(`prune failed (exit ${code}); see the lines above`);
}

main().catch((error: unknown) => core.setFailed(String(error)));
