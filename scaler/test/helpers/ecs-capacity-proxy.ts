/**
 * A loopback proxy in front of moto, for what moto does not do as AWS does.
 *
 * DynamoDB: conditional writes are atomic per item in DynamoDB, but moto_server answers concurrent
 * requests on threads without a lock (12 concurrent `ADD n :1` with `n < 3` let 4 or 5 through), so
 * the proxy hands moto the writes of one item (`pk`) one at a time, a transaction holding all of its
 * items; writes of other items and reads pass straight through.
 *
 * ECS: a loopback proxy in front of moto's ECS API that answers RunTask the way ECS does when a capacity
 * provider has no room (moto always places Fargate tasks): HTTP 200 with no task and a failures[]
 * entry, reason "Capacity is unavailable at this time..." (Fargate Spot) or "RESOURCE:MEMORY"
 * (EC2), as the RunTask API reference's failures section describes. Everything else passes through.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapacityProxy {
  url: string;
  /** While set, RunTask whose cluster or task definition contains one of these strings fails for lack of capacity. */
  shortage(clusters: string[] | null, reason?: string): void;
  refusedRunTasks(): number;
  close(): Promise<void>;
}

export const SPOT_SHORTAGE_REASON =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startCapacityProxy(target: string): Promise<CapacityProxy> {
  const upstream = new URL(target);
  let short: string[] | null = null;
  let reason = SPOT_SHORTAGE_REASON;
  let refused = 0;
  const tails = new Map<string, Promise<void>>();
  /** Waits until every earlier write of these items is answered; the returned function ends this one's turn. */
  const lock = async (keys: string[]): Promise<() => void> => {
    let done: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const before = keys.map((k) => tails.get(k) ?? Promise.resolve());
    for (const k of keys) tails.set(k, mine);
    await Promise.all(before);
    return () => {
      for (const k of keys) if (tails.get(k) === mine) tails.delete(k);
      done();
    };
  };
  const itemKeys = (action: string, body: Buffer): string[] => {
    type Key = { pk?: { S?: string } };
    type Write = { Item?: Key; Key?: Key };
    const input = JSON.parse(body.toString('utf8') || '{}') as Write & {
      TransactItems?: Record<string, Write>[];
    };
    const one = (w: Write | undefined): string => w?.Item?.pk?.S ?? w?.Key?.pk?.S ?? '*';
    if (action.endsWith('.TransactWriteItems')) {
      return [...new Set((input.TransactItems ?? []).flatMap((t) => Object.values(t).map(one)))];
    }
    return [one(input)];
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const action = String(req.headers['x-amz-target'] ?? '');
      if (short && action.endsWith('.RunTask')) {
        const input = JSON.parse(body.toString('utf8') || '{}') as {
          cluster?: string;
          taskDefinition?: string;
        };
        const cluster = input.cluster ?? 'default';
        const definition = input.taskDefinition ?? '';
        if (short.some((c) => cluster.includes(c) || definition.includes(c))) {
          refused++;
          const answer = JSON.stringify({ tasks: [], failures: [{ arn: cluster, reason }] });
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'proxy' });
          res.end(answer);
          return;
        }
      }
      if (/^DynamoDB_\d+\.(PutItem|UpdateItem|DeleteItem|TransactWriteItems)$/.test(action)) {
        // Listen for the end of this exchange before waiting for the turn: a client that gives up
        // while queued (its request timeout) closes the response before the turn comes, and a
        // release registered only after the wait would never run, leaving the item locked for good.
        const turn: { closed: boolean; release?: () => void } = { closed: false };
        res.on('close', () => {
          turn.closed = true;
          turn.release?.();
        });
        turn.release = await lock(itemKeys(action, body));
        if (turn.closed) {
          turn.release();
          return;
        }
      }
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          timeout: 20_000,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('timeout', () => forward.destroy(new Error('moto did not answer within 20 s')));
      forward.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      forward.end(body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    shortage(clusters, why) {
      short = clusters;
      if (why) reason = why;
    },
    refusedRunTasks: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
