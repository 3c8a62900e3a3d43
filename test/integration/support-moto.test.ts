import { startMoto } from '../support/moto';

jest.setTimeout(60_000);

describe('moto test server', () => {
  it('starts on a free loopback port and answers S3 requests', async () => {
    const moto = await startMoto();
    try {
      const response = await fetch(`${moto.endpoint}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('ListAllMyBucketsResult');
    } finally {
      await moto.stop();
    }
  });
});
