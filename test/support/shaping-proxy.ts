/**
 * A traffic-shaping TCP proxy on loopback, a user-space stand-in for a real network in front of S3
 * (no tc/netem here). For each client connection it opens one connection to the upstream server and:
 *
 * - adds a fixed latency to every request: the first bytes a client sends after the server has
 *   answered (a new request on a keep-alive connection), or on a fresh connection, are held back
 *   for `latencyMs` (default 20 ms), so each request pays one round trip;
 * - caps each connection's rate, per direction, with a token bucket (default 60 MB/s), as S3
 *   caps a single connection while total bandwidth grows with the number of connections.
 *
 * Byte order on each connection is kept: delayed data is queued, never reordered.
 */
import { createServer, connect, Server, Socket, AddressInfo } from 'node:net';

export interface ShapingOptions {
  /** upstream host:port to forward to */
  upstreamPort: number;
  upstreamHost?: string;
  /** added per request, in milliseconds (default 20) */
  latencyMs?: number;
  /** cap per connection and direction, in bytes per second (default 60 MB/s); 0 = no cap */
  bytesPerSecond?: number;
}

export interface ShapingProxy {
  endpoint: string;
  port: number;
  /** connections opened so far */
  connections(): number;
  stop(): Promise<void>;
}

export const DEFAULT_LATENCY_MS = 20;
export const DEFAULT_RATE_BYTES_PER_SECOND = 60 * 1000 * 1000;

/** How far behind the clock the token bucket may fall: a burst of this many ms of traffic can go at once,
 * so late timers on a busy machine do not lower the rate below the cap. */
const BURST_MS = 20;

/** Forwards `from` to `to` at no more than `rate` bytes/s, holding back the start of each turn; honours
 * backpressure on both sides and keeps byte order. */
function shapedPipe(
  from: Socket,
  to: Socket,
  rate: number,
  onTurnStart: () => number, // returns the delay for the chunk that starts a turn (ms)
): void {
  const queue: { chunk: Buffer; notBefore: number }[] = [];
  let sendAt = 0; // when the bucket allows the next byte (ms, performance.now())
  let timer: NodeJS.Timeout | undefined;
  let waitingDrain = false;
  let ended = false;

  const pump = (): void => {
    timer = undefined;
    while (queue.length > 0 && !waitingDrain) {
      const now = performance.now();
      const head = queue[0];
      const earliest = Math.max(head.notBefore, sendAt);
      if (earliest > now + 1) {
        timer = setTimeout(pump, earliest - now);
        break;
      }
      queue.shift();
      sendAt = Math.max(sendAt, now - BURST_MS) + (rate > 0 ? (head.chunk.length / rate) * 1000 : 0);
      if (to.destroyed) return;
      if (!to.write(head.chunk)) {
        waitingDrain = true;
        to.once('drain', () => {
          waitingDrain = false;
          pump();
        });
      }
    }
    if (queue.length === 0 && ended && !waitingDrain) to.end();
    else if (queue.length > 4 || waitingDrain) from.pause();
    else from.resume();
  };

  from.on('data', (chunk: Buffer) => {
    queue.push({ chunk, notBefore: performance.now() + onTurnStart() });
    if (!timer && !waitingDrain) pump();
  });
  from.on('end', () => {
    ended = true;
    if (!timer && !waitingDrain) pump();
  });
  from.on('error', () => to.destroy());
}

export async function startShapingProxy(options: ShapingOptions): Promise<ShapingProxy> {
  const latency = options.latencyMs ?? DEFAULT_LATENCY_MS;
  const rate = options.bytesPerSecond ?? DEFAULT_RATE_BYTES_PER_SECOND;
  const sockets = new Set<Socket>();
  let opened = 0;
  const server: Server = createServer((client) => {
    opened += 1;
    const upstream = connect(options.upstreamPort, options.upstreamHost ?? '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    // A new request starts when the client sends after the server has spoken (or first on the connection).
    let serverSpokeSinceLastRequest = true;
    shapedPipe(client, upstream, rate, () => {
      if (!serverSpokeSinceLastRequest) return 0;
      serverSpokeSinceLastRequest = false;
      return latency;
    });
    shapedPipe(upstream, client, rate, () => {
      serverSpokeSinceLastRequest = true;
      return 0;
    });
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    connections: () => opened,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
