/**
 * The policy: what a job may ask of the dind sidecar's daemon. One function, `decide`, takes the request
 * as the daemon passes it to the plugin and returns a decision; a refusal names its rule and what to do
 * instead (the docker CLI prints it after "authorization denied by plugin dazn-authz: ").
 *
 * Everything a job needs is allowed (build, run with the workspace mounted, service and job containers,
 * container actions, compose); refused are the ways out of the job's own containers: privileged mode,
 * the daemon's namespaces, capabilities beyond a short list, devices, switching off seccomp, AppArmor or
 * no-new-privileges, bind mounts outside the runner's shared folders (also disguised as volume options),
 * host networking in builds, plugins and swarm.
 */
import { AuthzConfig, normalizeCapability } from './config';
import { Json, JsonError, field, mapEntries } from './json';
import { AuthzRequest, DockerRequest, RequestError, describeRequest } from './request';
import { RealPath, isInside, resolveReal } from './paths';

export type Decision = { allow: true } | { allow: false; rule: string; message: string };

const ALLOW: Decision = { allow: true };

/** A refusal, with its rule name first so that logs and the job's error line say which rule said no. */
class Refusal extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

function refuse(rule: string, message: string): never {
  throw new Refusal(rule, message);
}

/**
 * API versions below 1.24 let `POST /containers/{id}/start` carry a new HostConfig (moby removed that
 * in 1.24), which would skip every check made at create time. Docker 1.12 and later clients speak 1.24+.
 */
const MIN_API_VERSION = [1, 24];

function versionOf(uri: string): number[] | undefined {
  const match = /^\/v([0-9][0-9.]*)(?=\/|$)/.exec(uri);
  return match ? match[1].split('.').map((part) => Number(part)) : undefined;
}

function below(version: number[], minimum: number[]): boolean {
  for (let i = 0; i < Math.max(version.length, minimum.length); i += 1) {
    const a = version[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

// --- typed reads of the body: a value of the wrong type is refused rather than guessed at -------------

function str(value: Json | undefined, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') refuse('request-form', `${name} must be a string in the request`);
  return value;
}

function list(value: Json | undefined, name: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) refuse('request-form', `${name} must be a list in the request`);
  return value;
}

function strings(value: Json | undefined, name: string): string[] {
  return list(value, name).map((item) => str(item, name));
}

/** Go's strconv.ParseBool, used by the daemon for security option values. */
function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

// --- the rules ----------------------------------------------------------------------------------------

interface Context {
  config: AuthzConfig;
  realPath: RealPath;
}

const NAMESPACE_FLAGS: [string, string][] = [
  ['PidMode', '--pid=host'],
  ['IpcMode', '--ipc=host'],
  ['UTSMode', '--uts=host'],
  ['NetworkMode', '--network=host'],
  ['UsernsMode', '--userns=host'],
  ['CgroupnsMode', '--cgroupns=host'],
];

function checkNamespaces(hostConfig: Json): void {
  for (const [name, flag] of NAMESPACE_FLAGS) {
    if (str(field(hostConfig, name), `HostConfig.${name}`).trim().toLowerCase() === 'host') {
      refuse(
        'host-namespaces',
        `${flag} (HostConfig.${name}) is refused: it would share the dind daemon's own namespace with the job's container. ` +
          `Leave it out (each container gets its own), or share another container's with ${flag.split('=')[0]}=container:<name>`,
      );
    }
  }
}

function checkCapabilities(hostConfig: Json, config: AuthzConfig): void {
  const added = strings(field(hostConfig, 'CapAdd'), 'HostConfig.CapAdd').map(normalizeCapability);
  const refused = added.filter((cap) => !config.allowedCapabilities.includes(cap));
  if (refused.length > 0) {
    refuse(
      'capabilities',
      `--cap-add ${refused.join(',')} is refused: added capabilities are limited to ${config.allowedCapabilities.join(', ')}. ` +
        `Add only those, or do the privileged part outside Docker on a runner built for it`,
    );
  }
}

/** Resources: shared by create and update. */
function checkResources(resources: Json): void {
  if (list(field(resources, 'Devices'), 'Devices').length > 0) {
    refuse('devices', '--device is refused: no host device may be passed to a job\'s container. Leave it out; use files in the workspace instead');
  }
  if (list(field(resources, 'DeviceCgroupRules'), 'DeviceCgroupRules').length > 0) {
    refuse('devices', '--device-cgroup-rule is refused: no device access may be granted to a job\'s container. Leave it out');
  }
  if (list(field(resources, 'DeviceRequests'), 'DeviceRequests').length > 0) {
    refuse('devices', '--gpus (a device request) is refused: these runners have no devices to hand out. Leave it out');
  }
  if (str(field(resources, 'CgroupParent'), 'CgroupParent') !== '') {
    refuse('cgroup-parent', '--cgroup-parent is refused: containers stay in the daemon\'s cgroups, under the task\'s limits. Leave it out');
  }
}

function checkSecurityOptions(hostConfig: Json): void {
  for (const option of strings(field(hostConfig, 'SecurityOpt'), 'HostConfig.SecurityOpt')) {
    if (option.trim() === 'no-new-privileges') continue;
    // The daemon splits on the first '=', or for the old form on the first ':'.
    const separator = option.includes('=') ? '=' : ':';
    const at = option.indexOf(separator);
    const key = (at < 0 ? option : option.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : option.slice(at + 1).trim();
    const fix = 'Leave it out: every container runs under the daemon\'s default profile';
    if (key === 'seccomp') {
      refuse('security-options', `--security-opt seccomp=${value === 'unconfined' ? 'unconfined' : '<profile>'} is refused: it would replace or switch off the default seccomp profile. ${fix}`);
    }
    if (key === 'apparmor' && value !== 'docker-default') {
      refuse('security-options', `--security-opt apparmor=${value} is refused: it would replace or switch off the default AppArmor profile. ${fix}`);
    }
    if (key === 'no-new-privileges') {
      if (parseBool(value) === true) continue;
      refuse('security-options', `--security-opt no-new-privileges=${value} is refused: setuid programs must not gain privileges in a job's container. Leave it out`);
    }
    if (key === 'label') {
      if (value.toLowerCase() === 'disable') {
        refuse('security-options', `--security-opt label=disable is refused: it would switch off SELinux separation. ${fix}`);
      }
      continue;
    }
    if (key === 'systempaths') {
      refuse('security-options', `--security-opt systempaths=${value} is refused: it would unmask /proc and /sys paths. ${fix}`);
    }
    if (key !== 'apparmor') {
      refuse('security-options', `--security-opt ${option} is refused: only no-new-privileges and label options are accepted. Leave it out`);
    }
  }
  for (const name of ['MaskedPaths', 'ReadonlyPaths']) {
    const value = field(hostConfig, name);
    if (value !== undefined && value !== null) {
      refuse(
        'security-options',
        `HostConfig.${name} is refused (--security-opt systempaths=unconfined sets it): it would unmask /proc and /sys paths. Leave it out`,
      );
    }
  }
}

async function checkBindSource(source: string, what: string, context: Context): Promise<void> {
  const { allowedRoots, allowedSockets } = context.config;
  const fix =
    `Mount a folder under ${allowedRoots.join(', ')} (the runner's work, temp, externals and tool cache), ` +
    'or use a named volume (-v name:/path)';
  let real: string;
  try {
    real = await resolveReal(source, context.realPath);
  } catch (error) {
    refuse('bind-mounts', `${what} ${source} could not be checked (${error instanceof Error ? error.message : String(error)}). ${fix}`);
  }
  for (const socket of allowedSockets) {
    const realSocket = await resolveReal(socket, context.realPath).catch(() => socket);
    if (real === realSocket) return;
  }
  for (const root of allowedRoots) {
    const realRoot = await resolveReal(root, context.realPath).catch(() => undefined);
    if (realRoot !== undefined && isInside(real, realRoot)) return;
  }
  const shown = real === source ? source : `${source} (which is ${real})`;
  refuse('bind-mounts', `${what} ${shown} is refused: it is outside the runner's shared folders. ${fix}`);
}

/** Options of the local volume driver that mount something other than an empty tmpfs or the daemon's folder. */
function checkVolumeDriver(driver: string, options: Json | undefined, what: string): void {
  if (driver !== '' && driver !== 'local') {
    refuse('volume-options', `${what}: the volume driver ${driver} is refused: only the local driver is available. Leave the driver out`);
  }
  const entries = mapEntries(options);
  if (entries.length === 0) return;
  const opts = new Map(entries.map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
  const type = opts.get('type') ?? '';
  const mountOptions = (opts.get('o') ?? '').split(',').map((option) => option.trim().toLowerCase());
  if (type === 'tmpfs' && !mountOptions.some((option) => option === 'bind' || option === 'rbind')) return;
  refuse(
    'volume-options',
    `${what} with driver options ${[...opts.keys()].map((key) => `${key}=${opts.get(key)}`).join(',')} is refused: ` +
      'local driver options other than type=tmpfs mount a host folder (o=bind, device=...) or a network file system. ' +
      'Use a volume without options, a tmpfs, or bind-mount a folder under the runner\'s shared folders',
  );
}

async function checkMounts(hostConfig: Json, context: Context): Promise<void> {
  for (const bind of strings(field(hostConfig, 'Binds'), 'HostConfig.Binds')) {
    const source = bind.split(':')[0];
    if (source.startsWith('/')) await checkBindSource(source, '-v', context);
  }
  for (const mount of list(field(hostConfig, 'Mounts'), 'HostConfig.Mounts')) {
    const type = str(field(mount, 'Type'), 'Mounts.Type').toLowerCase();
    if (type === 'bind') {
      await checkBindSource(str(field(mount, 'Source'), 'Mounts.Source'), '--mount type=bind,source=', context);
    } else if (type === 'volume') {
      const driverConfig = field(field(mount, 'VolumeOptions'), 'DriverConfig');
      checkVolumeDriver(str(field(driverConfig, 'Name'), 'DriverConfig.Name'), field(driverConfig, 'Options'), '--mount type=volume');
    } else if (type !== 'tmpfs') {
      refuse('bind-mounts', `--mount type=${type} is refused: use type=bind (under the runner's shared folders), volume or tmpfs`);
    }
  }
  const volumeDriver = str(field(hostConfig, 'VolumeDriver'), 'HostConfig.VolumeDriver');
  if (volumeDriver !== '') checkVolumeDriver(volumeDriver, undefined, '--volume-driver');
}

function checkRuntime(hostConfig: Json): void {
  const runtime = str(field(hostConfig, 'Runtime'), 'HostConfig.Runtime');
  if (runtime !== '' && runtime !== 'runc' && runtime !== 'io.containerd.runc.v2') {
    refuse('runtime', `--runtime ${runtime} is refused: containers run with runc, under this policy. Leave it out`);
  }
}

/**
 * Log drivers that stay on this task: json-file and local (files under the daemon's data root), syslog
 * (the default: the task's log sidecar) and none. awslogs, gcplogs, splunk and the like would ship the
 * container's output with the daemon's credentials (the dind container's task role) or elsewhere.
 */
const LOG_DRIVERS = ['', 'json-file', 'local', 'syslog', 'none'];

function checkLogging(hostConfig: Json): void {
  const driver = str(field(field(hostConfig, 'LogConfig'), 'Type'), 'HostConfig.LogConfig.Type');
  if (!LOG_DRIVERS.includes(driver)) {
    refuse(
      'logging',
      `--log-driver ${driver} is refused: it would send the container's output with the daemon's credentials or off this task. ` +
        'Leave it out (the output goes to the task\'s log sidecar and docker logs), or use json-file, local or none',
    );
  }
}

async function checkHostConfig(hostConfig: Json, context: Context): Promise<void> {
  if (field(hostConfig, 'Privileged') === true) {
    refuse(
      'privileged',
      '--privileged is refused: it would give the job\'s container every capability and device of the dind daemon\'s host. ' +
        `Run without it; add a capability the job needs with --cap-add (one of ${context.config.allowedCapabilities.join(', ')})`,
    );
  }
  checkNamespaces(hostConfig);
  checkCapabilities(hostConfig, context.config);
  checkResources(hostConfig);
  checkSecurityOptions(hostConfig);
  checkRuntime(hostConfig);
  checkLogging(hostConfig);
  await checkMounts(hostConfig, context);
}

function requireBody(request: DockerRequest): Json {
  if (request.body === undefined) {
    refuse(
      'request-body',
      `${request.method} ${request.path} reached the plugin without its body, so it cannot be checked: the daemon passes ` +
        'a body only when Content-Type is application/json and Content-Length is under 1 MiB. Send it that way (the docker CLI, compose and SDKs do)',
    );
  }
  return request.body;
}

async function checkContainerCreate(request: DockerRequest, context: Context): Promise<void> {
  const body = requireBody(request);
  const hostConfig = field(body, 'HostConfig');
  if (hostConfig !== undefined && hostConfig !== null) await checkHostConfig(hostConfig, context);
  const endpoints = field(field(body, 'NetworkingConfig'), 'EndpointsConfig');
  for (const [network] of mapEntries(endpoints)) {
    if (network.toLowerCase() === 'host') {
      refuse('host-namespaces', '--network=host (NetworkingConfig) is refused: it would share the dind daemon\'s network namespace. Use a network of your own (docker network create)');
    }
  }
}

function checkExec(request: DockerRequest): void {
  const body = requireBody(request);
  if (field(body, 'Privileged') === true) {
    refuse('privileged', 'docker exec --privileged is refused: it would give the process every capability of the dind daemon\'s host. Run the exec without it (--user root is fine)');
  }
}

function checkBuild(request: DockerRequest): void {
  // The daemon reads build options with FormValue: a form-encoded body would override the query, and
  // the plugin never sees such a body. The CLI sends application/x-tar (or nothing).
  const contentType = (request.header('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
  if (contentType === 'application/x-www-form-urlencoded' || contentType === 'multipart/form-data') {
    refuse('build', `POST /build with Content-Type ${contentType} is refused: build options must be in the query. Send the context as application/x-tar`);
  }
  for (const [key, values] of request.query) {
    const name = key.toLowerCase();
    if (name === 'networkmode' && values.some((value) => value.trim().toLowerCase() === 'host')) {
      refuse('build', 'docker build --network=host is refused: build steps get their own network namespace. Leave it out (RUN steps still reach the network)');
    }
    if (name === 'cgroupparent' && values.some((value) => value !== '')) {
      refuse('cgroup-parent', 'docker build --cgroup-parent is refused: build steps stay in the daemon\'s cgroups. Leave it out');
    }
  }
}

function checkVolumeCreate(request: DockerRequest): void {
  const body = requireBody(request);
  if (field(body, 'ClusterVolumeSpec') !== undefined && field(body, 'ClusterVolumeSpec') !== null) {
    refuse('swarm', 'cluster volumes are refused: these daemons run no swarm. Create a local volume');
  }
  checkVolumeDriver(str(field(body, 'Driver'), 'Driver'), field(body, 'DriverOpts'), 'docker volume create');
}

function checkNetworkCreate(request: DockerRequest): void {
  const body = requireBody(request);
  const driver = str(field(body, 'Driver'), 'Driver');
  if (driver !== '' && driver !== 'bridge') {
    refuse('networks', `docker network create --driver ${driver} is refused: only bridge networks, private to this daemon. Leave the driver out`);
  }
}

const SWARM_ROUTES = new Set(['swarm', 'services', 'nodes', 'tasks', 'secrets', 'configs']);

async function checkRoute(request: DockerRequest, context: Context): Promise<void> {
  const [first, second, third] = request.segments;
  const post = request.method === 'POST';
  if (first === 'plugins' && request.method !== 'GET') {
    refuse('plugins', `${request.method} /${request.segments.join('/')} is refused: plugins run as root on the daemon's host, so none can be installed, enabled or changed. Use a container instead`);
  }
  if (first !== undefined && SWARM_ROUTES.has(first)) {
    refuse('swarm', `${request.method} /${request.segments.join('/')} is refused: these daemons run no swarm. Use docker run or docker compose`);
  }
  if (first === 'containers' && post) {
    if (second === 'create' && third === undefined) return checkContainerCreate(request, context);
    if (third === 'update') return checkResources(requireBody(request));
    if (third === 'exec') return checkExec(request);
    // An old-API start may carry a HostConfig (refused below 1.24 above); check one if it is there.
    if (third === 'start' && request.body !== undefined) return checkHostConfig(request.body, context);
  }
  if (first === 'build' && second === undefined && post) return checkBuild(request);
  if (first === 'volumes' && second === 'create' && post) return checkVolumeCreate(request);
  if (first === 'networks' && post) {
    if (second === 'create') return checkNetworkCreate(request);
    if (third === 'connect' && second === 'host') {
      refuse('host-namespaces', 'docker network connect host is refused: it would share the dind daemon\'s network namespace. Connect a network of your own');
    }
  }
}

/** The plugin's answer to one AuthZReq. */
export async function decide(authzRequest: AuthzRequest, config: AuthzConfig, realPath: RealPath): Promise<Decision> {
  try {
    const version = versionOf(authzRequest.RequestUri ?? '');
    if (version !== undefined && below(version, MIN_API_VERSION)) {
      refuse(
        'api-version',
        `API version ${version.join('.')} is refused: versions below ${MIN_API_VERSION.join('.')} can change a container's HostConfig when it starts. Use a newer client or API version`,
      );
    }
    const request = describeRequest(authzRequest);
    await checkRoute(request, { config, realPath });
    return ALLOW;
  } catch (error) {
    if (error instanceof Refusal) return { allow: false, rule: error.rule, message: error.message };
    if (error instanceof RequestError || error instanceof JsonError) {
      return { allow: false, rule: 'request-form', message: `the request could not be read, so it is refused: ${error.message}` };
    }
    throw error;
  }
}
