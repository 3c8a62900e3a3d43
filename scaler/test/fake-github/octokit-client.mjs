// Runs the official Octokit libraries (ESM-only, so not loadable under ts-jest's CommonJS) against the
// fake GitHub, for octokit.test.ts. Input on stdin (JSON): { url, appId, installationId, privateKey, org, steps }.
// Output on stdout (JSON): one result per step. The key arrives on stdin, never on argv or in the environment.
import { Octokit } from '@octokit/core';
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', async () => {
  const cfg = JSON.parse(input);
  const events = [];
  const Client = Octokit.plugin(retry, throttling);
  const octokit = new Client({
    baseUrl: cfg.url,
    userAgent: 'dazn-scaler-octokit-test/1.0',
    authStrategy: createAppAuth,
    auth: { appId: cfg.appId, privateKey: cfg.privateKey, installationId: cfg.installationId },
    request: { retries: 1 },
    throttle: {
      onRateLimit: (retryAfter) => {
        events.push(`primary:${retryAfter}`);
        return events.filter((e) => e.startsWith('primary')).length <= 1;
      },
      onSecondaryRateLimit: (retryAfter) => {
        events.push(`secondary:${retryAfter}`);
        return events.filter((e) => e.startsWith('secondary')).length <= 1;
      },
    },
  });
  // @octokit/core takes no default headers in its constructor: the version header goes on in a hook,
  // which also covers the token requests @octokit/auth-app makes through the same request function.
  octokit.hook.before('request', (options) => {
    options.headers['x-github-api-version'] = '2022-11-28';
  });
  const results = [];
  for (const step of cfg.steps) {
    if (step.fake) {
      // A world control of the fake, between two Octokit calls.
      const res = await fetch(`${cfg.url}${step.fake}`, {
        method: 'POST',
        body: JSON.stringify(step.body ?? {}),
        signal: AbortSignal.timeout(10_000),
      });
      results.push({ step: step.fake, status: res.status });
      continue;
    }
    try {
      const res = await octokit.request(step.route, { org: cfg.org, ...step.params });
      results.push({ step: step.route, status: res.status, data: res.data });
    } catch (error) {
      results.push({ step: step.route, status: error.status ?? 0, message: String(error.message) });
    }
  }
  process.stdout.write(JSON.stringify({ results, events }));
});
