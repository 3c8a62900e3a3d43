/**
 * dazn-authz: the dind sidecar's authorization plugin. Started by dind/entrypoint.sh before dockerd,
 * which runs with --authorization-plugin=dazn-authz; settings in config.ts. Listens until SIGTERM.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, resolveConfig } from './config';
import { realPathOnDisk } from './paths';
import { createServer } from './server';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} dazn-authz: ${line}\n`);

function main(): void {
  let config;
  try {
    config = resolveConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      log(error.message);
      process.exit(64);
    }
    throw error;
  }
  mkdirSync(dirname(config.socket), { recursive: true });
  rmSync(config.socket, { force: true });
  const server = createServer(config, realPathOnDisk, log);
  server.listen(config.socket, () => {
    // The daemon connects as root; nobody else needs the socket.
    chmodSync(config.socket, 0o600);
    log(
      `listening on ${config.socket}; bind mounts under ${config.allowedRoots.join(', ')} and ${config.allowedSockets.join(', ')}; ` +
        `capabilities ${config.allowedCapabilities.join(', ')}`,
    );
  });
  const stop = (signal: string) => {
    log(`received ${signal}, stopping`);
    server.close(() => process.exit(0));
    // Requests in flight get 2 s (each is a few ms) before the plugin exits anyway.
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
