/** App JWTs and installation tokens: the fake refuses what GitHub refuses, with GitHub's messages. */
import { MESSAGES } from '../support/fake-github-rules';
import { generateAppKeyPair, signRs256Jwt } from '../support/jwt';
import { APP_ID, call, Harness, INSTALLATION_ID, message, ORG, startHarness } from './harness';

describe('fake GitHub: App JWT', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  const nowS = (): number => Math.floor(h.clock.now() / 1000);
  const sign = (claims: Record<string, unknown>): string => signRs256Jwt(h.keys.privateKeyPem, claims);

  it('accepts a JWT signed with the App key, iat 60 s back and exp 9 minutes ahead', async () => {
    const res = await call(h.gh, 'GET', '/app', { auth: `Bearer ${h.jwt()}` });
    expect(res.status).toBe(200);
    expect((res.json as { id: number }).id).toBe(APP_ID);
  });

  it('accepts iat 30 s back and exp = iat + 600 s (what @octokit/auth-app sends)', async () => {
    const iat = nowS() - 30;
    const res = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat, exp: iat + 600, iss: APP_ID })}`,
    });
    expect(res.status).toBe(200);
  });

  it('refuses a JWT signed with another key', async () => {
    const other = generateAppKeyPair();
    const token = signRs256Jwt(other.privateKeyPem, { iat: nowS() - 60, exp: nowS() + 540, iss: APP_ID });
    const res = await call(h.gh, 'GET', '/app', { auth: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(message(res)).toBe(MESSAGES.jwtUndecodable);
  });

  it("accepts the App's client id as iss when it has one", async () => {
    await h.gh.close();
    h = await startHarness({ clientId: 'Iv23liFakeClientId01' });
    const ok = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat: nowS() - 60, exp: nowS() + 540, iss: 'Iv23liFakeClientId01' })}`,
    });
    expect(ok.status).toBe(200);
    const other = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat: nowS() - 60, exp: nowS() + 540, iss: 'Iv23liSomeoneElse000' })}`,
    });
    expect(other.status).toBe(401);
  });

  it('refuses a JWT for another App id and a garbled token', async () => {
    const wrongIss = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat: nowS() - 60, exp: nowS() + 540, iss: APP_ID + 1 })}`,
    });
    expect(wrongIss.status).toBe(401);
    expect(message(wrongIss)).toBe(MESSAGES.jwtUndecodable);
    const garbled = await call(h.gh, 'GET', '/app', { auth: 'Bearer not.a.jwt' });
    expect(garbled.status).toBe(401);
    expect(message(garbled)).toBe(MESSAGES.jwtUndecodable);
  });

  it("refuses exp - iat over 10 minutes: 'exp' too far in the future", async () => {
    const iat = nowS() - 60;
    const res = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat, exp: iat + 601, iss: APP_ID })}`,
    });
    expect(res.status).toBe(401);
    expect(message(res)).toBe(MESSAGES.jwtExpTooFar);
  });

  it('refuses exp more than 10 minutes ahead of the server clock (client clock fast)', async () => {
    const iat = nowS() + 30; // within the iat allowance
    const res = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat, exp: iat + 590, iss: APP_ID })}`,
    });
    expect(res.status).toBe(401);
    expect(message(res)).toBe(MESSAGES.jwtExpTooFar);
  });

  it('refuses an expired JWT once the fake clock passes exp', async () => {
    const token = h.jwt();
    expect((await call(h.gh, 'GET', '/app', { auth: `Bearer ${token}` })).status).toBe(200);
    h.clock.advance(10 * 60 * 1000);
    const res = await call(h.gh, 'GET', '/app', { auth: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(message(res)).toBe(MESSAGES.jwtExpInvalid);
  });

  it('refuses iat in the future beyond the drift allowance, and a non-integer iat', async () => {
    const future = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat: nowS() + 120, exp: nowS() + 500, iss: APP_ID })}`,
    });
    expect(future.status).toBe(401);
    expect(message(future)).toBe(MESSAGES.jwtIatInvalid);
    const fractional = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat: nowS() - 0.5, exp: nowS() + 500, iss: APP_ID })}`,
    });
    expect(message(fractional)).toBe(MESSAGES.jwtIatInvalid);
    const text = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat: String(nowS()), exp: nowS() + 500, iss: APP_ID })}`,
    });
    expect(message(text)).toBe(MESSAGES.jwtIatInvalid);
  });

  it('refuses a non-numeric exp', async () => {
    const res = await call(h.gh, 'GET', '/app', {
      auth: `Bearer ${sign({ iat: nowS() - 60, exp: 'soon', iss: APP_ID })}`,
    });
    expect(res.status).toBe(401);
    expect(message(res)).toBe(MESSAGES.jwtExpInvalid);
  });

  it('answers JWT errors with documentation_url, as GitHub does', async () => {
    const res = await call(h.gh, 'GET', '/app', { auth: 'Bearer x.y.z' });
    expect(res.json).toEqual(
      expect.objectContaining({ documentation_url: expect.stringContaining('docs.github.com') }),
    );
  });

  it('finds the installation of the organisation, and 404 for another organisation', async () => {
    const ok = await call(h.gh, 'GET', `/orgs/${ORG}/installation`, { auth: `Bearer ${h.jwt()}` });
    expect(ok.status).toBe(200);
    expect((ok.json as { id: number }).id).toBe(INSTALLATION_ID);
    const other = await call(h.gh, 'GET', '/orgs/someone-else/installation', { auth: `Bearer ${h.jwt()}` });
    expect(other.status).toBe(404);
  });
});

describe('fake GitHub: installation tokens', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  it('mints a token valid for one hour of the fake clock', async () => {
    const res = await call(h.gh, 'POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, {
      auth: `Bearer ${h.jwt()}`,
    });
    expect(res.status).toBe(201);
    const body = res.json as { token: string; expires_at: string };
    expect(body.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(Date.parse(body.expires_at) - h.clock.now()).toBe(60 * 60 * 1000);
  });

  it('accepts the token as "token" and "Bearer", and refuses it 401 "Bad credentials" after 61 minutes', async () => {
    const token = await h.installationToken();
    for (const scheme of ['token', 'Bearer']) {
      const res = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `${scheme} ${token}` });
      expect(res.status).toBe(200);
    }
    h.clock.advance(61 * 60 * 1000);
    const res = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
    expect(res.status).toBe(401);
    expect(message(res)).toBe(MESSAGES.badCredentials);
  });

  it('refuses an unknown token, a JWT on an installation route, and no Authorization at all', async () => {
    const unknown = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, {
      auth: 'token ghs_000000000000000000000000000000000000',
    });
    expect(unknown.status).toBe(401);
    const jwt = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `Bearer ${h.jwt()}` });
    expect(jwt.status).toBe(401);
    const none = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`);
    expect(none.status).toBe(401);
    expect(message(none)).toBe(MESSAGES.requiresAuthentication);
  });

  it('refuses an installation token on App (JWT) routes', async () => {
    const token = await h.installationToken();
    const res = await call(h.gh, 'GET', '/app/hook/deliveries', { auth: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(message(res)).toBe(MESSAGES.jwtUndecodable);
  });

  it('answers 404 for another installation id', async () => {
    const res = await call(h.gh, 'POST', `/app/installations/${INSTALLATION_ID + 1}/access_tokens`, {
      auth: `Bearer ${h.jwt()}`,
    });
    expect(res.status).toBe(404);
  });

  it('narrows a token to the permissions asked for, and refuses permissions the installation lacks', async () => {
    const narrow = await call(h.gh, 'POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, {
      auth: `Bearer ${h.jwt()}`,
      body: { permissions: { actions: 'read' } },
    });
    expect(narrow.status).toBe(201);
    const token = (narrow.json as { token: string }).token;
    const runners = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
    expect(runners.status).toBe(403);
    expect(message(runners)).toBe(MESSAGES.notAccessible);
    const more = await call(h.gh, 'POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, {
      auth: `Bearer ${h.jwt()}`,
      body: { permissions: { administration: 'write' } },
    });
    expect(more.status).toBe(422);
  });

  it('refuses runner writes to an installation granted only read on self-hosted runners', async () => {
    await h.gh.close();
    h = await startHarness({
      installationPermissions: { organization_self_hosted_runners: 'read', actions: 'read' },
    });
    const token = await h.installationToken();
    expect((await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status).toBe(
      200,
    );
    const res = await call(h.gh, 'POST', `/orgs/${ORG}/actions/runners/generate-jitconfig`, {
      auth: `token ${token}`,
      body: { name: 'dazn-x-000000000001', runner_group_id: 2, labels: ['ecs'] },
    });
    expect(res.status).toBe(403);
    expect(message(res)).toBe(MESSAGES.notAccessible);
  });
});
