/**
 * The one place that reads the broker's environment (broker/INTERFACE.md). Everything is resolved
 * and validated before a request is served; an error names the variable and the fix.
 */

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface GitHubAppConfig {
  appId: string;
  /** Secrets Manager secret whose SecretString is the App's PEM private key. */
  privateKeySecretArn: string;
  apiUrl: string;
}

export interface BrokerConfig {
  cacheRoleArn: string;
  /** Lower-cased owner logins. */
  allowedOwners: string[];
  audience: string;
  /** Without a trailing slash. */
  issuer: string;
  /** `${issuer}/.well-known/jwks`. */
  jwksUrl: string;
  /** Undefined when no App is configured: the default branch comes from defaultBranches. */
  app?: GitHubAppConfig;
  defaultBranches: string[];
  /** DurationSeconds of the cache session, seconds. */
  sessionSeconds: number;
}

export const DEFAULT_AUDIENCE = 'dazn-cache';
export const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';
export const DEFAULT_API_URL = 'https://api.github.com';
export const DEFAULT_BRANCH_NAMES = 'main,master';
/** One hour: long enough for a save of a large cache, and the default max_session_duration of a role. */
export const DEFAULT_SESSION_SECONDS = 3600;
/** STS's limits for DurationSeconds of AssumeRole, seconds (the role's maximum may be lower). */
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** GitHub logins: letters, digits and single hyphens, at most 39 characters. */
const LOGIN = /^[a-z0-9](?:[a-z0-9-]{0,37}[a-z0-9])?$/i;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function httpsUrl(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `${name}=${raw} is not a URL: set it to e.g. ${name === 'OIDC_ISSUER' ? DEFAULT_ISSUER : DEFAULT_API_URL}`,
    );
  }
  // Loopback http is for tests; anywhere else the issuer's keys and GitHub's answers need TLS.
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(`${name}=${raw} must be an https:// URL`);
  }
  return raw.replace(/\/+$/, '');
}

export function readConfig(env: Env): BrokerConfig {
  const cacheRoleArn = value(env, 'CACHE_ROLE_ARN');
  if (!cacheRoleArn) {
    throw new ConfigError(
      'CACHE_ROLE_ARN is not set: set it to the ARN of the cache role the broker assumes (stack 02 output)',
    );
  }
  if (!ROLE_ARN.test(cacheRoleArn)) {
    throw new ConfigError(
      `CACHE_ROLE_ARN=${cacheRoleArn} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  }

  const ownersRaw = value(env, 'ALLOWED_OWNERS');
  const allowedOwners = ownersRaw ? list(ownersRaw).map((owner) => owner.toLowerCase()) : [];
  if (allowedOwners.length === 0) {
    throw new ConfigError(
      'ALLOWED_OWNERS is not set: set it to the comma-separated organisation logins whose repositories may use the cache',
    );
  }
  const badOwner = allowedOwners.find((owner) => !LOGIN.test(owner));
  if (badOwner !== undefined) {
    throw new ConfigError(`ALLOWED_OWNERS: ${badOwner} is not a GitHub login (letters, digits, hyphens)`);
  }

  const issuer = httpsUrl(value(env, 'OIDC_ISSUER') ?? DEFAULT_ISSUER, 'OIDC_ISSUER');

  const secretArn = value(env, 'GITHUB_APP_SECRET_ARN');
  let app: GitHubAppConfig | undefined;
  if (secretArn) {
    if (!SECRET_ARN.test(secretArn)) {
      throw new ConfigError(`GITHUB_APP_SECRET_ARN=${secretArn} is not a Secrets Manager secret ARN`);
    }
    const appId = value(env, 'GITHUB_APP_ID');
    if (!appId || !/^[1-9]\d*$/.test(appId)) {
      throw new ConfigError(
        `GITHUB_APP_ID=${appId ?? ''} must be the App's numeric id (App settings, About) when GITHUB_APP_SECRET_ARN is set`,
      );
    }
    app = {
      appId,
      privateKeySecretArn: secretArn,
      apiUrl: httpsUrl(value(env, 'GITHUB_API_URL') ?? DEFAULT_API_URL, 'GITHUB_API_URL'),
    };
  }

  const defaultBranches = list(value(env, 'DEFAULT_BRANCHES') ?? DEFAULT_BRANCH_NAMES);
  if (defaultBranches.length === 0) {
    throw new ConfigError('DEFAULT_BRANCHES is empty: set it to branch names such as main,master');
  }

  const sessionRaw = value(env, 'SESSION_SECONDS') ?? String(DEFAULT_SESSION_SECONDS);
  const sessionSeconds = Number(sessionRaw);
  if (
    !Number.isInteger(sessionSeconds) ||
    sessionSeconds < MIN_SESSION_SECONDS ||
    sessionSeconds > MAX_SESSION_SECONDS
  ) {
    throw new ConfigError(
      `SESSION_SECONDS=${sessionRaw} must be a whole number of seconds from ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS} (and at most the role's max_session_duration)`,
    );
  }

  return {
    cacheRoleArn,
    allowedOwners,
    audience: value(env, 'BROKER_AUDIENCE') ?? DEFAULT_AUDIENCE,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks`,
    ...(app ? { app } : {}),
    defaultBranches,
    sessionSeconds,
  };
}
