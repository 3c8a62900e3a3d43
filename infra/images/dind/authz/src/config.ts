/**
 * The plugin's settings, read once from the environment (the dind entrypoint passes them on).
 *
 *   DIND_AUTHZ_ALLOWED_ROOTS   folders a job may bind-mount, colon-separated: the runner's shared paths
 *                              (work and temp, externals, tool cache), as the task definition mounts
 *                              them in both containers; default below
 *   DIND_AUTHZ_ALLOWED_SOCKETS sockets a job may bind-mount (exactly these paths), colon-separated: the
 *                              path the runner gives container jobs and actions (/var/run/docker.sock)
 *                              and the shared socket; every client of it passes this plugin again
 *   DIND_AUTHZ_ALLOWED_CAPS    capabilities `--cap-add` may name, comma-separated; default below
 *   DIND_AUTHZ_SOCKET          where the plugin listens; the daemon finds /run/docker/plugins/<name>/<name>.sock
 */
export interface AuthzConfig {
  allowedRoots: string[];
  allowedSockets: string[];
  /** Upper case, without the CAP_ prefix. */
  allowedCapabilities: string[];
  socket: string;
}

export class ConfigError extends Error {}

/** infra/terraform/modules/runner-service `shared_paths` (temp is inside work). */
export const DEFAULT_ALLOWED_ROOTS = ['/home/runner/_work', '/home/runner/externals', '/opt/hostedtoolcache'];
export const DEFAULT_ALLOWED_SOCKETS = ['/var/run/docker.sock', '/var/run/dind/docker.sock'];
/**
 * Inside a remapped user namespace these act on the container's own namespaces only: debuggers and
 * profilers (SYS_PTRACE), network tests that change their own interfaces or firewall (NET_ADMIN, NET_RAW),
 * priorities and locked memory (SYS_NICE, IPC_LOCK). Not SYS_ADMIN (mounts, and the kernel surface of
 * every file system a user namespace may mount), not SYS_MODULE, SYS_RAWIO, SYS_TIME, MKNOD, BPF...
 */
export const DEFAULT_ALLOWED_CAPABILITIES = ['NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_NICE', 'IPC_LOCK'];
export const DEFAULT_SOCKET = '/run/docker/plugins/dazn-authz/dazn-authz.sock';

export function normalizeCapability(name: string): string {
  return name.trim().toUpperCase().replace(/^CAP_/, '');
}

function paths(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const value = env[name];
  if (value === undefined || value.trim() === '') return fallback;
  const list = value.split(':').filter((path) => path !== '');
  for (const path of list) {
    if (!path.startsWith('/') || path.split('/').includes('..')) {
      throw new ConfigError(`${name} has '${path}': give absolute paths without '..', separated by ':'`);
    }
    if (path === '/') throw new ConfigError(`${name} has '/': that allows every bind mount; name the runner's folders`);
  }
  return list.map((path) => path.replace(/\/+$/, ''));
}

export function resolveConfig(env: NodeJS.ProcessEnv): AuthzConfig {
  const caps = env.DIND_AUTHZ_ALLOWED_CAPS;
  const allowedCapabilities =
    caps === undefined ? DEFAULT_ALLOWED_CAPABILITIES : caps.split(',').map(normalizeCapability).filter((c) => c !== '');
  for (const cap of allowedCapabilities) {
    if (!/^[A-Z_]+$/.test(cap) || cap === 'ALL' || cap === 'SYS_ADMIN') {
      throw new ConfigError(`DIND_AUTHZ_ALLOWED_CAPS has '${cap}': give capability names; ALL and SYS_ADMIN are never allowed`);
    }
  }
  const socket = env.DIND_AUTHZ_SOCKET ?? DEFAULT_SOCKET;
  if (!socket.startsWith('/') || !socket.endsWith('.sock')) {
    throw new ConfigError(`DIND_AUTHZ_SOCKET is '${socket}': give an absolute path ending in .sock`);
  }
  return {
    allowedRoots: paths(env, 'DIND_AUTHZ_ALLOWED_ROOTS', DEFAULT_ALLOWED_ROOTS),
    allowedSockets: paths(env, 'DIND_AUTHZ_ALLOWED_SOCKETS', DEFAULT_ALLOWED_SOCKETS),
    allowedCapabilities,
    socket,
  };
}
