/**
 * The fake GitHub as a process, for shell and Docker tests (the runner image's JIT path). Start it
 * with (no build step; fake-github-cli.js transpiles on require):
 *
 *   node scaler/test/support/fake-github-cli.js > "$tmp/fakegh.json" &   # {"url":..., "private_key_file":...}
 *
 * Settings (environment; secrets only as file paths, never values on argv):
 *   FAKE_GITHUB_ORG (dazn), FAKE_GITHUB_APP_ID (1), FAKE_GITHUB_INSTALLATION_ID (1),
 *   FAKE_GITHUB_HOST (127.0.0.1; 0.0.0.0 or the Docker bridge address for containers),
 *   FAKE_GITHUB_PUBLIC_KEY_FILE (PEM; without it a key pair is made and the private key written to
 *   a 0600 file whose path is printed), FAKE_GITHUB_WEBHOOK_SECRET_FILE, FAKE_GITHUB_WEBHOOK_URL
 *   (deliveries are POSTed there), FAKE_GITHUB_MIN_RUNNER_VERSION.
 * It runs on the real clock, applies tick() every second, and stops on SIGTERM or SIGINT.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpDeliver, startFakeGitHub } from './fake-github';
import { generateAppKeyPair } from './jwt';

function intFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  let publicKeyPem: string;
  let privateKeyFile: string | undefined;
  let keyDir: string | undefined;
  const keyFile = process.env.FAKE_GITHUB_PUBLIC_KEY_FILE;
  if (keyFile) {
    publicKeyPem = readFileSync(keyFile, 'utf8');
  } else {
    const pair = generateAppKeyPair();
    publicKeyPem = pair.publicKeyPem;
    keyDir = mkdtempSync(join(tmpdir(), 'fake-github-'));
    privateKeyFile = join(keyDir, 'app-key.pem');
    writeFileSync(privateKeyFile, pair.privateKeyPem, { mode: 0o600 });
  }
  const secretFile = process.env.FAKE_GITHUB_WEBHOOK_SECRET_FILE;
  const webhookSecret = secretFile ? readFileSync(secretFile, 'utf8').trim() : 'fake-github-webhook-secret';
  const webhookUrl = process.env.FAKE_GITHUB_WEBHOOK_URL;
  const gh = await startFakeGitHub({
    org: process.env.FAKE_GITHUB_ORG || 'dazn',
    appId: intFrom('FAKE_GITHUB_APP_ID', 1),
    installationId: intFrom('FAKE_GITHUB_INSTALLATION_ID', 1),
    appPublicKeyPem: publicKeyPem,
    webhookSecret,
    deliver: webhookUrl ? httpDeliver(webhookUrl) : undefined,
    minimumRunnerVersion: process.env.FAKE_GITHUB_MIN_RUNNER_VERSION || undefined,
    host: process.env.FAKE_GITHUB_HOST || undefined,
  });
  const ticker = setInterval(() => gh.tick(), 1000);
  process.stdout.write(
    `${JSON.stringify({ url: gh.url, private_key_file: privateKeyFile ?? null, pid: process.pid })}\n`,
  );
  const stop = (): void => {
    clearInterval(ticker);
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    const forced = setTimeout(() => process.exit(1), 5000);
    forced.unref();
    void gh.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-github: ${(error as Error).message}\n`);
  process.exit(2);
});
