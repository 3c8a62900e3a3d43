/**
 * src/runner/workflow.ts against the real @actions/core: the same calls run through each, every
 * run in a child process of its own with a clean environment (test/support/protocol-driver.ts),
 * and what the runner would see must be the same: the stdout bytes, the meaning of the
 * GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV files (read with test/support/file-commands.ts,
 * written from the runner's format), what inputs and state read as, and how the OIDC token request
 * ends against one fake token service (token or kind of error, requests, headers, backoff waits).
 *
 * Where ours differs on purpose, the test says so and why, and asserts both behaviours.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan, PlanStep, StepResult } from '../../support/protocol-driver';
import { Impl, ProtocolRunner, Run } from '../../support/protocol-run';
import { ambiguities, fileCommandValues, parseFileCommands } from '../../support/file-commands';
import { startTokenService, Step, TokenService } from '../../support/token-service';

jest.setTimeout(60_000);

let runner: ProtocolRunner;
beforeAll(() => {
  runner = new ProtocolRunner();
});
afterAll(() => runner.cleanup());

const both = async (
  plan: Plan,
  env: (impl: Impl) => Record<string, string> = () => ({}),
): Promise<Record<Impl, Run>> => {
  const [ours, core] = await Promise.all([
    runner.run('ours', plan, env('ours')),
    runner.run('core', plan, env('core')),
  ]);
  return { ours, core };
};

/** Messages that a naive writer gets wrong: escapes, line ends, command syntax, unicode. */
const MESSAGES = [
  'plain',
  '50% done, 100%25 sure',
  'line one\nline two',
  'carriage\rreturn',
  'crlf\r\nend',
  '::error::forged command',
  'key: value, other: value',
  '%0A is not a line end',
  'ünïcødé ✓ 日本語 🚀',
  '',
  '  spaces around  ',
  'ends with a line end\n',
];

const step = (call: PlanStep['call'], ...args: unknown[]): PlanStep => ({ call, args });

describe('log commands', () => {
  it('write the same bytes to stdout as @actions/core, for every command and awkward message', async () => {
    const properties = [
      {},
      {
        title: 'T: a, b%\nc',
        file: 'src/a b,c:d.ts',
        startLine: 3,
        endLine: 4,
        startColumn: 1,
        endColumn: 9,
      },
      { file: 'only/the/file.ts' },
      { title: '' },
      { startLine: 0, title: 'zero line' },
    ];
    const steps: PlanStep[] = [];
    for (const message of MESSAGES) {
      steps.push(step('debug', message), step('info', message), step('setSecret', message));
      for (const props of properties) {
        steps.push(
          step('warning', message, props),
          step('error', message, props),
          step('notice', message, props),
        );
      }
      steps.push(step('startGroup', message), step('endGroup'));
    }
    // Without the runner's files: the deprecated stdout commands.
    steps.push(step('setOutput', 'out-name', 'v: 1,\n2%'), step('saveState', 'state_name', 'a\r\nb'));
    steps.push(step('exportVariable', 'EXPORTED', 'x\ny'));
    steps.push(step('setFailed', 'failed: 100%\nsee above'));
    const { ours, core } = await both({ steps });

    expect(core.stdout.length).toBeGreaterThan(1000);
    expect(ours.stdout.toString('utf8')).toBe(core.stdout.toString('utf8'));
    expect(ours.stdout.equals(core.stdout)).toBe(true);
    expect(ours.exitCode).toBe(1);
    expect(ours.exitCode).toBe(core.exitCode);
    expect(ours.results.map((r) => r.error)).toEqual(core.results.map((r) => r.error));
    expect(ours.results.at(-2)?.envAfter).toEqual({ EXPORTED: 'x\ny' });
    expect(ours.results.at(-2)?.envAfter).toEqual(core.results.at(-2)?.envAfter);
  });
});

describe('runner files', () => {
  const VALUES: [string, string][] = [
    ['plain', 'value'],
    ['multi-line', 'one\ntwo\n\nfour'],
    ['crlf', 'one\r\ntwo\r\n'],
    ['ends-with-line-end', 'last\n'],
    ['empty', ''],
    ['looks_like_heredoc', 'x<<EOF\nEOF\ny'],
    ['looks-like-delimiter', 'ghadelimiter_00000000-0000-0000-0000-000000000000\nafter'],
    ['plain-line', 'name=value\nother=1'],
    ['unicode', 'ünïcødé ✓ 🚀'],
    ['spaces', '  around  '],
    ['plain', 'set twice: the last wins'],
  ];

  it('mean the same to the runner as @actions/core files, each entry read one way only', async () => {
    const files = (impl: Impl): Record<string, string> => {
      const folder = join(runner.folder(), impl);
      const env: Record<string, string> = {};
      for (const variable of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV']) {
        env[variable] = `${folder}-${variable}`;
        writeFileSync(env[variable], '');
      }
      return env;
    };
    const envs: Partial<Record<Impl, Record<string, string>>> = {};
    const steps: PlanStep[] = [];
    for (const [name, value] of VALUES) {
      steps.push(step('setOutput', name, value), step('saveState', name, value));
    }
    steps.push(step('exportVariable', 'MULTI_LINE_VAR', 'a\nb'), step('exportVariable', 'EMPTY_VAR', ''));
    const runs = await both({ steps }, (impl) => (envs[impl] = files(impl)));

    const expected = Object.fromEntries(VALUES);
    for (const impl of ['ours', 'core'] as Impl[]) {
      const run = runs[impl];
      expect(run.results.map((r) => r.error)).toEqual(steps.map(() => undefined));
      expect(run.stdout.toString()).toBe('');
      for (const variable of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV']) {
        const entries = parseFileCommands(readFileSync(envs[impl]?.[variable] ?? '', 'utf8'));
        expect({ impl, variable, problems: ambiguities(entries) }).toEqual({ impl, variable, problems: [] });
      }
      const read = (variable: string): Record<string, string> =>
        fileCommandValues(parseFileCommands(readFileSync(envs[impl]?.[variable] ?? '', 'utf8')));
      expect(read('GITHUB_OUTPUT')).toEqual(expected);
      expect(read('GITHUB_STATE')).toEqual(expected);
      expect(read('GITHUB_ENV')).toEqual({ MULTI_LINE_VAR: 'a\nb', EMPTY_VAR: '' });
      expect(run.results.at(-2)?.envAfter).toEqual({ MULTI_LINE_VAR: 'a\nb' });
    }
    // Same entries in the same order, only the delimiters differ.
    const strip = (impl: Impl, variable: string) =>
      parseFileCommands(readFileSync(envs[impl]?.[variable] ?? '', 'utf8')).map(({ name, value }) => ({
        name,
        value,
      }));
    for (const variable of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV']) {
      expect(strip('ours', variable)).toEqual(strip('core', variable));
    }
  });

  it('refuse a runner file that does not exist, as @actions/core does', async () => {
    const missing = join(runner.folder(), 'never-created');
    const plan = {
      steps: [step('setOutput', 'a', 'b'), step('saveState', 'a', 'b'), step('exportVariable', 'A', 'b')],
    };
    const env = { GITHUB_OUTPUT: missing, GITHUB_STATE: missing, GITHUB_ENV: missing };
    const { ours, core } = await both(plan, () => env);
    for (const run of [ours, core]) {
      expect(run.results.map((r) => r.error?.message.startsWith(`Missing file at path: ${missing}`))).toEqual(
        [true, true, true],
      );
    }
  });

  it('intended difference: a name the runner would misread is refused (core writes a file the runner rejects)', async () => {
    const folder = runner.folder();
    const names = ['a=b', 'a<<b', 'two\nlines', ''];
    const plan = { steps: names.map((name) => step('setOutput', name, 'value')) };
    const output = (impl: Impl) => join(folder, `${impl}-output`);
    writeFileSync(output('ours'), '');
    writeFileSync(output('core'), '');
    const { ours, core } = await both(plan, (impl) => ({ GITHUB_OUTPUT: output(impl) }));
    expect(ours.results.map((r) => r.error?.message)).toEqual(
      names.map(() => expect.stringMatching(/must not be empty or contain/)),
    );
    expect(readFileSync(output('ours'), 'utf8')).toBe('');
    // Core writes every one of them; the runner reads none of them as the name that was meant.
    expect(core.results.map((r) => r.error)).toEqual(names.map(() => undefined));
    const coreFile = readFileSync(output('core'), 'utf8');
    let meant = false;
    try {
      const values = fileCommandValues(parseFileCommands(coreFile));
      meant = names.every((name) => values[name] === 'value');
    } catch {
      meant = false;
    }
    expect(meant).toBe(false);
  });
});

describe('inputs and state', () => {
  it('read the same values, and refuse the same ones, as @actions/core', async () => {
    const env: Record<string, string> = {
      INPUT_KEY: '  spaced value  ',
      INPUT_EMPTY: '',
      INPUT_BLANK: '   ',
      'INPUT_RESTORE-KEYS': ' a- \n\n  b-\r\n c-  \n',
      INPUT_MY_INPUT: 'with spaces in the name',
      STATE_primary: ' kept as is ',
      STATE_empty: '',
    };
    const booleans = [
      'true',
      'True',
      'TRUE',
      'false',
      'False',
      'FALSE',
      'tRuE',
      'yes',
      '1',
      'on',
      ' true ',
      '',
      'true\n',
    ];
    booleans.forEach((value, i) => (env[`INPUT_BOOL${i}`] = value));
    const options = [
      undefined,
      { required: true },
      { trimWhitespace: false },
      { required: true, trimWhitespace: false },
    ];
    const steps: PlanStep[] = [];
    for (const name of ['key', 'KEY', 'empty', 'blank', 'restore-keys', 'my input', 'missing']) {
      for (const option of options) {
        const args = option ? [name, option] : [name];
        steps.push(step('getInput', ...args), step('getMultilineInput', ...args));
      }
    }
    booleans.forEach((_, i) =>
      steps.push(
        step('getBooleanInput', `bool${i}`),
        step('getBooleanInput', `BOOL${i}`, { trimWhitespace: false }),
      ),
    );
    steps.push(step('getBooleanInput', 'missing'), step('getBooleanInput', 'missing', { required: true }));
    for (const name of ['primary', 'empty', 'missing', 'PRIMARY']) steps.push(step('getState', name));
    const { ours, core } = await both({ steps }, () => env);

    const seen = (run: Run) => run.results.map((r: StepResult) => r.error ?? { value: r.value });
    expect(seen(ours)).toEqual(seen(core));
    // The comparison covers both outcomes: values and refusals.
    expect(seen(core).filter((r) => 'value' in r).length).toBeGreaterThan(20);
    expect(seen(core).filter((r) => 'message' in r).length).toBeGreaterThan(10);
    expect(ours.stdout.toString()).toBe(core.stdout.toString());
  });
});

describe('the OIDC token request', () => {
  let service: TokenService;
  beforeAll(async () => {
    service = await startTokenService();
  });
  afterAll(() => service.stop());

  interface Scenario {
    name: string;
    steps: Step[];
    audience?: string;
    /** The request URL's path inside the scenario, when it is not /token. */
    url?: (key: string) => string;
    env?: Record<string, string | null>;
  }
  const moved = (status: number, where = '{base}/KEY/moved?api-version=2.0'): Step => ({
    kind: 'answer',
    status,
    location: where,
  });
  const SCENARIOS: Scenario[] = [
    { name: 'ok', steps: [{ kind: 'token' }] },
    { name: 'audience-escaped', steps: [{ kind: 'token' }], audience: 'api://Azure AD/é?&=x' },
    { name: '503-then-200', steps: [{ kind: 'answer', status: 503 }, { kind: 'token' }] },
    {
      name: '502-504-503-then-200',
      steps: [...[502, 504, 503].map((status): Step => ({ kind: 'answer', status })), { kind: 'token' }],
    },
    { name: 'always-503', steps: [{ kind: 'answer', status: 503, body: 'Service Unavailable' }] },
    {
      name: '500',
      steps: [{ kind: 'answer', status: 500, body: '{"message":"internal failure"}' }, { kind: 'token' }],
    },
    { name: '403', steps: [{ kind: 'answer', status: 403, body: 'forbidden' }] },
    { name: '401-empty', steps: [{ kind: 'answer', status: 401 }] },
    { name: 'garbage-json', steps: [{ kind: 'answer', status: 200, body: '<html>not json' }] },
    { name: 'no-value', steps: [{ kind: 'answer', status: 200, body: '{"count":1,"token":"x"}' }] },
    { name: 'empty-value', steps: [{ kind: 'answer', status: 200, body: '{"value":""}' }] },
    { name: 'empty-body', steps: [{ kind: 'answer', status: 200 }] },
    { name: '301', steps: [moved(301), { kind: 'token' }] },
    { name: '302', steps: [moved(302), { kind: 'token' }] },
    { name: '303', steps: [moved(303), { kind: 'token' }] },
    { name: '307', steps: [moved(307), { kind: 'token' }] },
    { name: '308', steps: [moved(308), { kind: 'token' }] },
    { name: 'redirect-then-503', steps: [moved(302), { kind: 'answer', status: 503 }, { kind: 'token' }] },
    { name: 'redirect-no-location', steps: [{ kind: 'answer', status: 302, body: 'gone' }] },
    { name: 'redirect-loop', steps: [moved(302, '{base}/KEY/token?api-version=2.0')] },
    { name: 'reset', steps: [{ kind: 'reset' }] },
    { name: 'hang', steps: [{ kind: 'hang' }] },
    { name: 'refused-connection', steps: [], url: () => 'http://127.0.0.1:1/token?api-version=2.0' },
    {
      name: 'no-permission',
      steps: [],
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: null, ACTIONS_ID_TOKEN_REQUEST_TOKEN: null },
    },
  ];
  const INTENDED: Scenario[] = [
    { name: 'cross-host-redirect', steps: [moved(302, '{other}/KEY/elsewhere'), { kind: 'token' }] },
    { name: 'relative-redirect', steps: [moved(302, '/KEY/moved?api-version=2.0'), { kind: 'token' }] },
    { name: '404', steps: [{ kind: 'answer', status: 404, body: '{"value":"not a token"}' }] },
    { name: 'number-value', steps: [{ kind: 'answer', status: 200, body: '{"value":42}' }] },
    { name: 'echoes-request-token', steps: [{ kind: 'answer', status: 500, body: 'ECHO' }] },
  ];

  type Outcome = { token: true } | { kind: string; status?: number };
  /** What core's message says (its errors are plain Errors with the cause in the text). */
  const coreOutcome = (r: StepResult): Outcome => {
    if (!r.error) return { token: true };
    const m = r.error.message;
    const code = /Error Code : (\d+)/.exec(m);
    if (/Unable to get ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)/.test(m)) return { kind: 'no-permission' };
    if (code) return { kind: 'status', status: Number(code[1]) };
    if (/Response json body do not have ID Token field/.test(m)) return { kind: 'no-token' };
    if (/Request timeout/.test(m)) return { kind: 'timeout' };
    if (/Redirect from HTTPS to HTTP/.test(m)) return { kind: 'redirect' };
    if (/Error Code : undefined/.test(m)) return { kind: 'unreachable' };
    throw new Error(`unclassified core error: ${m}`);
  };
  /** Ours carries the kind and status as fields; its message must name the status too. */
  const ourOutcome = (r: StepResult): Outcome => {
    if (!r.error) return { token: true };
    expect(r.error.name).toBe('IdTokenError');
    const { kind, status } = r.error.fields as { kind: string; status?: number };
    if (kind === 'status') {
      expect(r.error.message).toContain(`HTTP ${status}`);
      return { kind, status };
    }
    return { kind };
  };

  /** Both implementations through every scenario, one child each; the per-scenario view of it. */
  const runAll = async (scenarios: Scenario[]) => {
    const key = (impl: Impl, s: Scenario) => `${impl}-${s.name}`;
    for (const impl of ['ours', 'core'] as Impl[]) {
      for (const s of scenarios) {
        service.script(
          key(impl, s),
          s.steps.map((st) =>
            st.kind === 'answer' && st.location
              ? { ...st, location: st.location.replace('KEY', key(impl, s)) }
              : st,
          ),
        );
      }
    }
    const plan = (impl: Impl): Plan => ({
      requestTimeoutMs: 400,
      steps: scenarios.map((s) => ({
        call: 'getIDToken',
        args: [s.audience ?? 'sts.amazonaws.com'],
        marker: `=== ${s.name}`,
        env: {
          ACTIONS_ID_TOKEN_REQUEST_URL: s.url ? s.url(key(impl, s)) : service.urlFor(key(impl, s)),
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: service.requestToken,
          ...s.env,
        },
      })),
    });
    const env = { ACTIONS_ORCHESTRATION_ID: 'orch/id 1' };
    const [ours, core] = await Promise.all([
      runner.run('ours', plan('ours'), env),
      runner.run('core', plan('core'), env),
    ]);
    const sections = (run: Run, impl: Impl): Map<string, string> => {
      const map = new Map<string, string>();
      for (const part of run.stdout.toString('utf8').split('=== ').slice(1)) {
        const [name, ...rest] = part.split('\n');
        map.set(name, rest.join('\n').split(`/${impl}-`).join('/IMPL-'));
      }
      return map;
    };
    const view = (impl: Impl, run: Run) =>
      scenarios.map((s, i) => {
        const requests = service.requests(key(impl, s));
        return {
          name: s.name,
          result: run.results[i],
          stdout: sections(run, impl).get(s.name) ?? '',
          requests,
          paths: requests.map((r) => r.url.split(key(impl, s)).join('KEY')),
          headers: requests.map((r) => ({
            accept: r.headers.accept,
            'user-agent': r.headers['user-agent'],
            connection: r.headers.connection,
            authorized: r.authorized,
          })),
        };
      });
    return { ours: view('ours', ours), core: view('core', core), raw: { ours, core } };
  };

  /** A fresh token replaced by a placeholder, so the masking lines compare. */
  const withoutTokens = (text: string): string =>
    service.tokens.reduce((t, token) => t.split(token).join('<token>'), text);

  it('ends the same way as @actions/core: token or kind of error, requests, headers, backoff, stdout', async () => {
    const { ours, core, raw } = await runAll(SCENARIOS);
    expect(raw.ours.exitCode).toBe(0);
    expect(raw.core.exitCode).toBe(0);
    for (let i = 0; i < SCENARIOS.length; i += 1) {
      const [o, c] = [ours[i], core[i]];
      const label = o.name;
      expect({ label, outcome: ourOutcome(o.result) }).toEqual({ label, outcome: coreOutcome(c.result) });
      expect({ label, paths: o.paths }).toEqual({ label, paths: c.paths });
      expect({ label, headers: o.headers }).toEqual({ label, headers: c.headers });
      expect({ label, sleeps: o.result.sleeps }).toEqual({ label, sleeps: c.result.sleeps });
      expect({ label, stdout: withoutTokens(o.stdout) }).toEqual({ label, stdout: withoutTokens(c.stdout) });
    }
    // The scenarios do what they say (a broken fake would make both sides agree on nothing).
    const by = (name: string) => core[SCENARIOS.findIndex((s) => s.name === name)];
    expect(by('503-then-200').requests).toHaveLength(2);
    expect(by('503-then-200').result.sleeps).toEqual([10]);
    expect(by('always-503').requests).toHaveLength(11);
    expect(by('always-503').result.sleeps).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120]);
    expect(by('500').requests).toHaveLength(1);
    expect(by('302').paths).toEqual([
      '/KEY/token?api-version=2.0&audience=sts.amazonaws.com',
      '/KEY/moved?api-version=2.0',
    ]);
    expect(by('redirect-then-503').paths.slice(1)).toEqual([
      '/KEY/moved?api-version=2.0',
      '/KEY/moved?api-version=2.0',
    ]);
    expect(by('redirect-loop').requests).toHaveLength(51);
    expect(by('hang').requests).toHaveLength(1);
    expect(by('ok').headers[0]).toEqual({
      accept: 'application/json',
      'user-agent': 'actions/oidc-client actions_orchestration_id/orch_id_1',
      connection: 'close',
      authorized: true,
    });
    expect(by('audience-escaped').paths[0]).toBe(
      '/KEY/token?api-version=2.0&audience=api%3A%2F%2FAzure%20AD%2F%C3%A9%3F%26%3Dx',
    );
    expect(coreOutcome(by('ok').result)).toEqual({ token: true });
    expect(by('ok').stdout).toMatch(/^::debug::ID token url is .*\n::add-mask::/);

    // Nothing secret on stdout or in a message: the request token never, a token only to mask it.
    for (const o of ours) {
      const text = `${o.stdout}${o.result.error?.message ?? ''}`;
      expect(text).not.toContain(service.requestToken);
      for (const token of service.tokens) {
        for (const line of text.split('\n').filter((l) => l.includes(token)))
          expect(line).toBe(`::add-mask::${token}`);
      }
    }
  });

  it('differs from @actions/core only where meant to, each for a reason', async () => {
    const intended = INTENDED.map((s) =>
      s.name === 'echoes-request-token'
        ? {
            ...s,
            steps: [{ kind: 'answer' as const, status: 500, body: `bad token ${service.requestToken}` }],
          }
        : s,
    );
    const { ours, core } = await runAll(intended);
    const at = (list: typeof ours, name: string) => list[intended.findIndex((s) => s.name === name)];

    // Cross-host redirect: core strips Authorization, then its bearer handler adds it back, so the
    // request token goes to the other host; ours sends it only to the token service's own host.
    expect(at(core, 'cross-host-redirect').headers.map((h) => h.authorized)).toEqual([true, true]);
    expect(at(ours, 'cross-host-redirect').headers.map((h) => h.authorized)).toEqual([true, false]);
    expect(ourOutcome(at(ours, 'cross-host-redirect').result)).toEqual(
      coreOutcome(at(core, 'cross-host-redirect').result),
    );

    // A relative Location (allowed by RFC 9110): core cannot parse it and fails; ours follows it.
    expect(coreOutcome(at(core, 'relative-redirect').result)).toEqual({ kind: 'unreachable' });
    expect(at(core, 'relative-redirect').result.error?.message).toMatch(/Invalid URL/);
    expect(ourOutcome(at(ours, 'relative-redirect').result)).toEqual({ token: true });
    expect(at(ours, 'relative-redirect').paths).toEqual(
      at(core, 'relative-redirect').paths.concat(['/KEY/moved?api-version=2.0']),
    );

    // 404: core's JSON helper treats it as "no resource" and then reports a body without a token;
    // ours reports the status, which is what tells a user the URL is wrong.
    expect(coreOutcome(at(core, '404').result)).toEqual({ kind: 'no-token' });
    expect(ourOutcome(at(ours, '404').result)).toEqual({ kind: 'status', status: 404 });

    // A `value` that is not a string: core returns the number as the token; ours refuses it.
    expect(at(core, 'number-value').result.value).toBe(42);
    expect(ourOutcome(at(ours, 'number-value').result)).toEqual({ kind: 'no-token' });

    // A service that echoes the request token: core puts it in its error message; ours blanks it.
    expect(at(core, 'echoes-request-token').result.error?.message).toContain(service.requestToken);
    expect(at(ours, 'echoes-request-token').result.error?.message).not.toContain(service.requestToken);
    expect(at(ours, 'echoes-request-token').result.error?.message).toContain('bad token ***');
    for (const o of ours) expect(o.stdout).not.toContain(service.requestToken);
  });
});
