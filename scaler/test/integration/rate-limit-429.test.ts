/** GitHub may answer rate limits with 429 instead of 403: the webhook bundle waits retry-after either way. */
import { type ScalerWorld, startWorld } from '../helpers/scaler-world';

const load = (path: string): unknown => {
  let loaded: unknown;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(path);
  });
  return loaded;
};

let world: ScalerWorld;
const realWrite = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  process.stdout.write = (() => true) as typeof process.stdout.write;
  world = await startWorld({
    pools: [{ name: 'p', labels: ['self-hosted', 'linux', 'X64', 'p'], group: 'ecs', maxRunners: 5 }],
    load,
    fake: { rateLimitStatus: 429 },
  });
}, 120_000);

afterAll(async () => {
  process.stdout.write = realWrite;
  await world?.close();
});

it('waits the retry-after of a 429 secondary rate limit, then starts the runner', async () => {
  world.gh.triggerSecondaryRateLimit(2);
  const started = performance.now();
  world.gh.queueJob({ repo: 'dazn-test/app', labels: ['p'] });
  await world.gh.settled();
  const limited = world.gh.requests().filter((r) => r.status === 429);
  expect(limited.length).toBeGreaterThan(0);
  const retried = world.gh.requests().filter((r) => r.status < 300 && r.atMs > limited[0].atMs + 1_000);
  expect(retried.length).toBeGreaterThan(0);
  expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
  expect(world.answers.at(-1)?.body).toContain('started');
  expect(await world.scalerTasks()).toHaveLength(1);
});
