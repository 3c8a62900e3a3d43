import { generateKeyPairSync } from 'node:crypto';
import { createLogger } from '../../src/log';

describe('log', () => {
  it('writes one JSON object per line and never a JIT configuration, token, JWT or private key', () => {
    const lines: string[] = [];
    const log = createLogger(
      (l) => lines.push(l),
      { component: 'test' },
      () => 0,
    );
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const jit = Buffer.from(
      JSON.stringify({ '.runner': 'x'.repeat(300), '.credentials': 'y'.repeat(300) }),
    ).toString('base64');
    const token = 'ghs_' + 'a'.repeat(36);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJl';
    log.info('started', { encoded_jit_config: jit, token, nested: { value: jit, list: [pem] } });
    log.error(`request failed: authorization: token ${token} with ${jwt}`, {
      error: new Error(`bad key ${pem}`),
    });
    log.warn('value without a telling name', { runner: 'dazn-x-0123456789ab', blob: jit });
    const text = lines.join('\n');
    for (const secret of [pem.split('\n')[1], jit.slice(0, 60), token, jwt])
      expect(text).not.toContain(secret);
    expect(text).toContain('dazn-x-0123456789ab');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['info', 'error', 'warn']);
    expect(JSON.parse(lines[0])).toMatchObject({
      component: 'test',
      message: 'started',
      time: '1970-01-01T00:00:00.000Z',
    });
  });
});
