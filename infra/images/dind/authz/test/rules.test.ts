import { mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthzConfig, ConfigError, resolveConfig } from '../src/config';
import { realPathOnDisk } from '../src/paths';
import { Decision, decide } from '../src/rules';

let root: string;
let config: AuthzConfig;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'dazn-authz-')));
  for (const dir of ['work/repo', 'externals', 'toolcache', 'outside']) mkdirSync(join(root, dir), { recursive: true });
  symlinkSync('/', join(root, 'work/repo/to-root'));
  symlinkSync(join(root, 'work'), join(root, 'work/repo/to-work'));
  config = resolveConfig({
    DIND_AUTHZ_ALLOWED_ROOTS: [join(root, 'work'), join(root, 'externals'), join(root, 'toolcache')].join(':'),
    DIND_AUTHZ_ALLOWED_SOCKETS: join(root, 'docker.sock'),
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function request(method: string, uri: string, body?: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  return {
    RequestMethod: method,
    RequestUri: uri,
    RequestBody: text === undefined ? undefined : Buffer.from(text).toString('base64'),
    RequestHeaders: { 'Content-Type': 'application/json', ...headers },
  };
}
const ask = (method: string, uri: string, body?: unknown, headers?: Record<string, string>): Promise<Decision> =>
  decide(request(method, uri, body, headers), config, realPathOnDisk);
const create = (hostConfig: unknown, extra: Record<string, unknown> = {}) =>
  ask('POST', '/v1.41/containers/create', { Image: 'alpine', HostConfig: hostConfig, ...extra });

function refusedBy(decision: Decision): string {
  return decision.allow ? 'allowed' : decision.rule;
}

describe('container create', () => {
  it('allows a plain run, a run with the workspace mounted, named volumes and tmpfs', async () => {
    expect(await create({})).toEqual({ allow: true });
    expect(await create({ Binds: [`${root}/work/repo:/__w/repo`, 'cache:/cache:ro'] })).toEqual({ allow: true });
    expect(await create({ Mounts: [{ Type: 'bind', Source: `${root}/toolcache`, Target: '/__t' }, { Type: 'tmpfs', Target: '/tmp' }] })).toEqual({
      allow: true,
    });
    expect(await create({ Binds: [`${root}/docker.sock:/var/run/docker.sock`] })).toEqual({ allow: true });
    expect(await create({ CapAdd: ['NET_ADMIN', 'cap_sys_ptrace'], SecurityOpt: ['no-new-privileges', 'label=user:x'] })).toEqual({ allow: true });
    expect(await ask('POST', '/containers/create', { Image: 'alpine' })).toEqual({ allow: true });
  });

  it('allows a bind through a link that stays inside the shared folders', async () => {
    expect(await create({ Binds: [`${root}/work/repo/to-work:/w`] })).toEqual({ allow: true });
  });

  it('refuses --privileged and names the rule and the fix', async () => {
    const decision = await create({ Privileged: true });
    expect(decision).toMatchObject({ allow: false, rule: 'privileged' });
    expect(!decision.allow && decision.message).toMatch(/--privileged is refused.*--cap-add/);
  });

  it.each([
    ['PidMode', '--pid=host'],
    ['IpcMode', '--ipc=host'],
    ['UTSMode', '--uts=host'],
    ['NetworkMode', '--network=host'],
    ['UsernsMode', '--userns=host'],
    ['CgroupnsMode', '--cgroupns=host'],
  ])('refuses %s host (%s)', async (name, flag) => {
    const decision = await create({ [name]: 'host' });
    expect(decision).toMatchObject({ allow: false, rule: 'host-namespaces' });
    expect(!decision.allow && decision.message).toContain(flag);
  });

  it('allows sharing another container\'s namespace', async () => {
    expect(await create({ PidMode: 'container:db', NetworkMode: 'container:db', IpcMode: 'shareable' })).toEqual({ allow: true });
  });

  it('refuses host networking asked for through NetworkingConfig', async () => {
    expect(refusedBy(await create({}, { NetworkingConfig: { EndpointsConfig: { host: {} } } }))).toBe('host-namespaces');
  });

  it('refuses capabilities outside the list, ALL and SYS_ADMIN in any spelling', async () => {
    for (const cap of ['SYS_ADMIN', 'cap_sys_admin', 'ALL', 'SYS_MODULE', 'DAC_READ_SEARCH']) {
      const decision = await create({ CapAdd: [cap] });
      expect(decision).toMatchObject({ allow: false, rule: 'capabilities' });
      expect(!decision.allow && decision.message).toContain('NET_ADMIN, NET_RAW, SYS_PTRACE');
    }
  });

  it('refuses devices, device cgroup rules, GPUs and a cgroup parent', async () => {
    expect(refusedBy(await create({ Devices: [{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }] }))).toBe('devices');
    expect(refusedBy(await create({ DeviceCgroupRules: ['c 1:1 rwm'] }))).toBe('devices');
    expect(refusedBy(await create({ DeviceRequests: [{ Count: -1, Capabilities: [['gpu']] }] }))).toBe('devices');
    expect(refusedBy(await create({ CgroupParent: '/' }))).toBe('cgroup-parent');
  });

  it.each([
    'seccomp=unconfined',
    'seccomp:unconfined',
    'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
    'apparmor=unconfined',
    'apparmor:unconfined',
    'no-new-privileges=false',
    'no-new-privileges:false',
    'label=disable',
    'systempaths=unconfined',
    'something=else',
  ])('refuses --security-opt %s', async (option) => {
    expect(refusedBy(await create({ SecurityOpt: [option] }))).toBe('security-options');
  });

  it('refuses unmasked /proc paths (what systempaths=unconfined sends)', async () => {
    expect(refusedBy(await create({ MaskedPaths: [] }))).toBe('security-options');
    expect(refusedBy(await create({ ReadonlyPaths: [] }))).toBe('security-options');
  });

  it('refuses bind mounts outside the shared folders, by -v and by --mount', async () => {
    for (const source of ['/', '/var/lib/dind', `${root}/outside`, `${root}/work/../outside`, `${root}/workx`]) {
      const decision = await create({ Binds: [`${source}:/x`] });
      expect(decision).toMatchObject({ allow: false, rule: 'bind-mounts' });
      expect(!decision.allow && decision.message).toContain(`${root}/work`);
      expect(refusedBy(await create({ Mounts: [{ Type: 'bind', Source: source, Target: '/x' }] }))).toBe('bind-mounts');
    }
  });

  it('refuses a bind through a link in the workspace that leads outside, naming where it leads', async () => {
    const decision = await create({ Binds: [`${root}/work/repo/to-root/etc:/x`] });
    expect(decision).toMatchObject({ allow: false, rule: 'bind-mounts' });
    expect(!decision.allow && decision.message).toContain('(which is /etc)');
  });

  it('refuses volumes that are bind mounts or network mounts in disguise', async () => {
    const disguised = { Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } };
    expect(refusedBy(await create({ Mounts: [disguised] }))).toBe('volume-options');
    const nfs = { Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { type: 'nfs', o: 'addr=10.0.0.2', device: ':/' } } } };
    expect(refusedBy(await create({ Mounts: [nfs] }))).toBe('volume-options');
    expect(refusedBy(await create({ VolumeDriver: 'rexray' }))).toBe('volume-options');
    expect(refusedBy(await create({ Mounts: [{ Type: 'npipe', Source: 'x', Target: '/x' }] }))).toBe('bind-mounts');
  });

  it('refuses log drivers that ship output with the daemon\'s credentials, allows those that stay on the task', async () => {
    for (const driver of ['awslogs', 'gcplogs', 'splunk', 'fluentd', 'gelf']) {
      expect(refusedBy(await create({ LogConfig: { Type: driver, Config: {} } }))).toBe('logging');
    }
    for (const driver of ['json-file', 'local', 'syslog', 'none']) {
      expect(await create({ LogConfig: { Type: driver, Config: {} } })).toEqual({ allow: true });
    }
  });

  it('reads fields as the daemon does: case-insensitively, refusing two spellings of one field', async () => {
    expect(refusedBy(await ask('POST', '/containers/create', { hostconfig: { privileged: true } }))).toBe('privileged');
    expect(refusedBy(await ask('POST', '/containers/create', '{"HostConfig":{"Privileged":false,"privileged":true}}'))).toBe('request-form');
    expect(refusedBy(await ask('POST', '/containers/create', '{"HostConfig":{"Binds":[],"Bind\u017f":["/:/x"]}}'))).toBe('request-form');
    expect(refusedBy(await ask('POST', '/containers/create', { HostConfig: { Privileged: 'true' } }))).toBe('allowed');
  });

  it('refuses a create whose body the daemon did not pass (chunked, over 1 MiB or not JSON)', async () => {
    const decision = await ask('POST', '/v1.41/containers/create');
    expect(decision).toMatchObject({ allow: false, rule: 'request-body' });
    expect(!decision.allow && decision.message).toContain('application/json');
    expect(refusedBy(await ask('POST', '/containers/create', '{"HostConfig": '))).toBe('request-form');
  });
});

describe('routes', () => {
  it('applies the rules under every version prefix, %-escape, case and path spelling', async () => {
    const privileged = { HostConfig: { Privileged: true } };
    for (const uri of ['/containers/create', '/v1.41/containers/create?name=x', '/v1.24/containers%2Fcreate', '/V1.41/Containers/Create', '//v1.41/./containers//create', '/v1.41/x/../containers/create/']) {
      expect([uri, refusedBy(await ask('POST', uri, privileged))]).toEqual([uri, 'privileged']);
    }
  });

  it('refuses API versions below 1.24 (their start requests may carry a HostConfig)', async () => {
    expect(refusedBy(await ask('POST', '/v1.23/containers/abc/start'))).toBe('api-version');
    expect(refusedBy(await ask('POST', '/v1.41/containers/abc/start', { Privileged: true }))).toBe('privileged');
    expect(await ask('POST', '/v1.41/containers/abc/start')).toEqual({ allow: true });
  });

  it('refuses a privileged exec and allows an exec as root', async () => {
    expect(refusedBy(await ask('POST', '/v1.41/containers/abc/exec', { Cmd: ['sh'], Privileged: true }))).toBe('privileged');
    expect(await ask('POST', '/v1.41/containers/abc/exec', { Cmd: ['sh'], User: 'root' })).toEqual({ allow: true });
    expect(refusedBy(await ask('POST', '/v1.41/containers/abc/exec'))).toBe('request-body');
  });

  it('refuses devices added by update', async () => {
    expect(refusedBy(await ask('POST', '/containers/abc/update', { Devices: [{ PathOnHost: '/dev/sda' }] }))).toBe('devices');
    expect(await ask('POST', '/containers/abc/update', { Memory: 1 << 30 })).toEqual({ allow: true });
  });

  it('refuses a build with host networking or form-encoded options, allows a plain build', async () => {
    const tar = { 'Content-Type': 'application/x-tar' };
    expect(await ask('POST', '/v1.41/build?t=x&networkmode=default', undefined, tar)).toEqual({ allow: true });
    expect(refusedBy(await ask('POST', '/v1.41/build?t=x&networkmode=host', undefined, tar))).toBe('build');
    expect(refusedBy(await ask('POST', '/v1.41/build?networkMode=%68ost', undefined, tar))).toBe('build');
    expect(refusedBy(await ask('POST', '/build?cgroupparent=/', undefined, tar))).toBe('cgroup-parent');
    expect(refusedBy(await ask('POST', '/build', undefined, { 'Content-Type': 'application/x-www-form-urlencoded' }))).toBe('build');
  });

  it('refuses volume driver options that mount something, allows plain and tmpfs volumes', async () => {
    expect(await ask('POST', '/volumes/create', { Name: 'cache' })).toEqual({ allow: true });
    expect(await ask('POST', '/volumes/create', { Name: 't', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=64m' } })).toEqual({ allow: true });
    for (const opts of [{ type: 'none', o: 'bind', device: '/var/lib/dind' }, { o: 'rbind', type: 'tmpfs' }, { device: '/dev/xvda' }, { type: 'nfs', o: 'addr=fs.efs', device: ':/' }]) {
      expect(refusedBy(await ask('POST', '/v1.41/volumes/create', { Name: 'x', DriverOpts: opts }))).toBe('volume-options');
    }
    expect(refusedBy(await ask('POST', '/volumes/create', { Name: 'x', Driver: 'sshfs' }))).toBe('volume-options');
  });

  it('refuses network drivers other than bridge and connecting to host', async () => {
    expect(await ask('POST', '/networks/create', { Name: 'github_network_1' })).toEqual({ allow: true });
    expect(refusedBy(await ask('POST', '/networks/create', { Name: 'm', Driver: 'macvlan', Options: { parent: 'eth0' } }))).toBe('networks');
    expect(refusedBy(await ask('POST', '/networks/host/connect', { Container: 'x' }))).toBe('host-namespaces');
  });

  it('refuses plugin changes and every swarm route, allows listing plugins', async () => {
    for (const uri of ['/plugins/pull?remote=x', '/v1.41/plugins/create?name=x', '/plugins/x/enable', '/plugins/privileges']) {
      expect(refusedBy(await ask(uri.endsWith('privileges') ? 'GET' : 'POST', uri, {}))).toBe(uri.endsWith('privileges') ? 'allowed' : 'plugins');
    }
    expect(await ask('GET', '/v1.41/plugins')).toEqual({ allow: true });
    for (const uri of ['/swarm/init', '/v1.41/swarm', '/services/create', '/secrets/create', '/nodes']) {
      expect(refusedBy(await ask(uri === '/nodes' || uri === '/v1.41/swarm' ? 'GET' : 'POST', uri, {}))).toBe('swarm');
    }
  });

  it('allows what jobs and the runner use otherwise', async () => {
    for (const [method, uri] of [
      ['GET', '/_ping'],
      ['GET', '/v1.41/version'],
      ['POST', '/v1.41/images/create?fromImage=alpine'],
      ['POST', '/v1.41/session'],
      ['POST', '/grpc'],
      ['POST', '/v1.41/containers/abc/start'],
      ['POST', '/v1.41/containers/abc/wait'],
      ['PUT', '/v1.41/containers/abc/archive?path=/x'],
      ['POST', '/v1.41/exec/abc/start'],
      ['DELETE', '/v1.41/containers/abc?force=1'],
      ['POST', '/v1.41/networks/n/connect'],
    ]) {
      expect([uri, await ask(method, uri, method === 'POST' && uri.endsWith('connect') ? { Container: 'abc' } : undefined)]).toEqual([uri, { allow: true }]);
    }
  });
});

describe('configuration', () => {
  it('refuses allowed roots that are relative, contain .. or are /', () => {
    for (const value of ['work', '/home/runner/../..', '/']) {
      expect(() => resolveConfig({ DIND_AUTHZ_ALLOWED_ROOTS: value })).toThrow(ConfigError);
    }
    expect(() => resolveConfig({ DIND_AUTHZ_ALLOWED_CAPS: 'SYS_ADMIN' })).toThrow(/never allowed/);
  });

  it('defaults to the runner-service module\'s shared paths', () => {
    expect(resolveConfig({}).allowedRoots).toEqual(['/home/runner/_work', '/home/runner/externals', '/opt/hostedtoolcache']);
  });
});
