/**
 * The harness that runs the action bundles like the GitHub runner (test/support/runner.ts) and the
 * fake OIDC endpoint (test/support/oidc.ts), checked with a tiny action built on @actions/core.
 */
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startCacheEnv, TEST_ROLE_ARN } from '../support/cache-env';
import { startOidc } from '../support/oidc';
import {
  expectExit,
  Job,
  parseKeyValueFile,
  parseWorkflowCommands,
  readActionMetadata,
} from '../support/runner';

const FIXTURE = join(__dirname, 'fixtures', 'harness-action.js');

describe('end-to-end harness', () => {
  it('reads input defaults and step scripts from the three action.yml files', () => {
    const cache = readActionMetadata('cache');
    expect(cache.main).toMatch(/dist\/restore\/index\.js$/);
    expect(cache.post).toMatch(/dist\/save\/index\.js$/);
    expect(cache.postIf).toBe('success()');
    expect(cache.using).toBe('node24');
    expect(cache.inputs.get('fail-on-cache-miss')?.default).toBe('false');
    expect(cache.inputs.get('key')?.required).toBe(true);
    expect(readActionMetadata('restore').main).toMatch(/dist\/restore-only\/index\.js$/);
    expect(readActionMetadata('save').main).toMatch(/dist\/save-only\/index\.js$/);
    expect(readActionMetadata('save').inputs.has('restore-keys')).toBe(false);
  });

  it('parses heredoc file commands and escaped workflow commands', () => {
    expect(parseKeyValueFile('a<<EOF_1\nx\ny\nEOF_1\nb=2\n')).toEqual({ a: 'x\ny', b: '2' });
    expect(() => parseKeyValueFile('a<<EOF\nx\n')).toThrow(/not terminated/);
    const { commands, lines } = parseWorkflowCommands(
      'hello\n::warning file=a%3Ab::50%25%0Adone\n::add-mask::s3cr3t\n',
    );
    expect(lines).toEqual(['hello', '']);
    expect(commands).toEqual([
      { command: 'warning', properties: { file: 'a:b' }, message: '50%\ndone' },
      { command: 'add-mask', properties: {}, message: 's3cr3t' },
    ]);
  });

  it('runs a step with inputs, outputs, state, summary, OIDC and a post step', async () => {
    const oidc = await startOidc();
    const job = new Job({ env: oidc.env() });
    try {
      const fixtureMain = expectExit(
        await job.step({ action: 'cache', script: FIXTURE, with: { key: 'k-1', 'restore-keys': 'a-\nb-' } }),
        0,
      );
      expect(fixtureMain.lines).toContain('key=k-1');
      expect(fixtureMain.lines).toContain('restore-keys=["a-","b-"]');
      expect(fixtureMain.lines).toContain('fail-on-cache-miss=false');
      expect(fixtureMain.lines).toContain(`cwd=${job.workspace}`);
      expect(fixtureMain.outputs).toEqual({ single: 'one', multi: 'line 1\nline 2' });
      expect(fixtureMain.state).toEqual({ phase: 'main', multi: 'a\nb' });
      expect(fixtureMain.warnings).toEqual(['100% sure\nsecond line']);
      expect(fixtureMain.debugs).toContain('a debug line');
      expect(fixtureMain.lines).toContain('token parts=3');
      expect(oidc.requests.map((r) => [r.audience, r.authorized])).toContainEqual([
        'sts.amazonaws.com',
        true,
      ]);
      expect(fixtureMain.masks).toEqual(oidc.tokens().slice(-1));
      expect(fixtureMain.summary).toContain('summary line');

      const post = expectExit(
        await job.step({ action: 'cache', phase: 'post', script: FIXTURE, state: fixtureMain.state }),
        0,
      );
      expect(post.lines).toContain('post sees state main and "a\\nb"');
      expect(post.outputs).toEqual({ post: 'ran' });

      const failed = await job.step({ action: 'cache', script: FIXTURE, with: { key: 'fail' } });
      expect(failed.exitCode).toBe(1);
      expect(failed.errors).toEqual(['the key input is bad']);
    } finally {
      job.cleanup();
      await oidc.stop();
    }
  }, 60_000);

  it('records STS credentials and conditional writes through the proxy in front of moto', async () => {
    const env = await startCacheEnv();
    try {
      const answer = await fetch(`${env.oidc.requestUrl}&audience=sts.amazonaws.com`, {
        headers: { authorization: `Bearer ${env.oidc.requestToken}` },
      });
      const { value: token } = (await answer.json()) as { value: string };
      const sts = new STSClient({ region: env.region, endpoint: env.proxy.endpoint });
      const assumed = await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: TEST_ROLE_ARN,
          RoleSessionName: 'harness',
          WebIdentityToken: token,
        }),
      );
      sts.destroy();
      const creds = assumed.Credentials;
      expect(env.proxy.assumeRoleCalls).toEqual([
        expect.objectContaining({
          roleArn: TEST_ROLE_ARN,
          webIdentityToken: token,
          accessKeyId: creds?.AccessKeyId,
          secretAccessKey: creds?.SecretAccessKey,
          sessionToken: creds?.SessionToken,
        }),
      ]);
      expect(env.secrets()).toEqual(
        expect.arrayContaining([token, creds?.SecretAccessKey, creds?.SessionToken]),
      );

      const s3 = new S3Client({
        region: env.region,
        endpoint: env.proxy.endpoint,
        forcePathStyle: true,
        credentials: {
          accessKeyId: creds?.AccessKeyId ?? '',
          secretAccessKey: creds?.SecretAccessKey ?? '',
          sessionToken: creds?.SessionToken,
        },
      });
      const put = (body: string) =>
        s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: 'p/once', Body: body, IfNoneMatch: '*' }));
      await put('first');
      await expect(put('second')).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      s3.destroy();
      const writes = env.proxy.requests.filter((r) => r.method === 'PUT');
      expect(writes.map((r) => [r.ifNoneMatch, r.status])).toEqual([
        ['*', 200],
        ['*', 412],
      ]);
      expect((await env.getBytes('p/once')).body.toString()).toBe('first');
    } finally {
      await env.stop();
    }
  }, 60_000);
});
