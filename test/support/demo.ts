/**
 * `npm run demo` (scripts/demo.sh compiles and runs this): the built action against a local S3 (moto)
 * and a fake GitHub OIDC endpoint, run the way the GitHub runner runs it. Job 1 misses in its main
 * step, builds a sample folder and saves it in its post step; job 2, on another simulated runner,
 * restores it as an exact hit. Prints each step's log, outputs, job summary and MB/s.
 */
import { join } from 'node:path';
import { startCacheEnv } from './cache-env';
import { describeStep, Job, runJob, StepResult } from './runner';
import { describeTree, noise, text, writeTree } from './tree';

const MB = 1024 * 1024;

function sampleFolder(root: string): void {
  writeTree(root, {
    'node_modules/left-pad/index.js': text(2 * MB, 'module.exports = leftPad;'),
    'node_modules/left-pad/package.json': '{"name":"left-pad","version":"1.3.0"}\n',
    'node_modules/.bin/left-pad': { symlink: '../left-pad/index.js' },
    'build/app.bin': noise(3 * MB),
    'build/run.sh': { content: '#!/bin/sh\necho run\n', mode: 0o755 },
    'build/empty': { dir: true },
    'docs/résumé-説明.txt': 'non-ASCII names survive\n',
  });
}

function print(title: string, step: StepResult): void {
  const status = step.exitCode === 0 ? 'succeeded' : `FAILED (exit ${step.exitCode})`;
  console.log(
    `\n=== ${title}: ${step.action}/${step.phase} ${status} in ${(step.durationMs / 1000).toFixed(1)} s`,
  );
  for (const line of step.lines.filter((l) => l.trim() !== '')) console.log(`  | ${line}`);
  for (const warning of step.warnings) console.log(`  | warning: ${warning}`);
  for (const error of step.errors) console.log(`  | error: ${error}`);
  console.log(`  outputs: ${JSON.stringify(step.outputs)}`);
  const summary = step.summary.trim();
  if (summary) console.log(`  job summary:\n${summary.replace(/^/gm, '    ')}`);
  const rates = [...step.stdout.matchAll(/[\d.]+\s*MB\/s/g), ...step.summary.matchAll(/[\d.]+\s*MB\/s/g)];
  console.log(`  MB/s: ${rates.length ? [...new Set(rates.map((m) => m[0]))].join(', ') : 'not reported'}`);
}

async function main(): Promise<number> {
  const env = await startCacheEnv();
  const jobs: Job[] = [];
  const stop = async () => {
    jobs.forEach((job) => job.cleanup());
    await env.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    console.log(`S3 and STS (moto_server): ${env.moto.endpoint}, bucket ${env.bucket}`);
    console.log(`GitHub OIDC token endpoint (fake): ${env.oidc.requestUrl}`);
    const settings = env.settings('demo');
    const inputs = { path: 'sample', key: 'demo-linux-x64-v1', 'restore-keys': 'demo-linux-x64-' };
    console.log(`steps run with: ${JSON.stringify(inputs)}`);

    const first = new Job({ env: settings, runId: '1001' });
    jobs.push(first);
    const run = await runJob(first, {
      with: inputs,
      between: () => sampleFolder(join(first.workspace, 'sample')),
    });
    print('job 1, restore (expect a miss)', run.main);
    if (!run.post) throw new Error(`job 1's main step failed\n${describeStep(run.main)}`);
    print('job 1, save in the post step', run.post);

    const objects = await env.list('demo');
    for (const o of objects)
      console.log(`\nstored: s3://${env.bucket}/${o.key} (${(o.size / MB).toFixed(2)} MB)`);

    const second = new Job({ env: settings, runId: '1002' });
    jobs.push(second);
    const hit = await second.step({ action: 'cache', with: inputs });
    print('job 2 on another runner, restore (expect an exact hit)', hit);

    const same =
      JSON.stringify(describeTree(join(first.workspace, 'sample'))) ===
      JSON.stringify(describeTree(join(second.workspace, 'sample')));
    console.log(
      `\nrestored folder identical to the saved one (files, modes, symlinks): ${same ? 'yes' : 'NO'}`,
    );
    console.log(
      `OIDC token requests: ${env.oidc.requests.length}, AssumeRoleWithWebIdentity calls: ${env.proxy.assumeRoleCalls.length}`,
    );
    const ok =
      run.main.exitCode === 0 &&
      run.post.exitCode === 0 &&
      hit.exitCode === 0 &&
      hit.outputs['cache-hit'] === 'true' &&
      same;
    console.log(ok ? '\ndemo: OK' : '\ndemo: something did not work as expected (see above)');
    return ok ? 0 : 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
