/**
 * Verifies a GitHub Actions OIDC token with jose: RS256 signature against the issuer's JWKS
 * (fetched with a time limit, cached, refetched on an unknown kid), iss, aud, exp/nbf/iat with a
 * small clock tolerance, then the claims the broker needs. The token itself never appears in a
 * message.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { BrokerConfig } from './config';
import { Refusal } from './refusal';

/** How long one JWKS fetch may take, ms (the Lambda has 15 s for everything). */
export const JWKS_TIMEOUT_MS = 3_000;
/** After a fetch, an unknown kid waits this long before the keys are fetched again, ms. */
export const JWKS_COOLDOWN_MS = 30_000;
/** Keys are refetched after this age even when every kid is known, ms (GitHub rotates keys rarely). */
export const JWKS_MAX_AGE_MS = 10 * 60_000;
/** Allowed skew between the runner's token service and the Lambda's clock, seconds. */
export const CLOCK_TOLERANCE_S = 30;

export interface VerifiedJob {
  repositoryId: string;
  /** owner/name. */
  repository: string;
  owner: string;
  ref: string;
  eventName: string;
  baseRef?: string;
  runId?: string;
  runAttempt?: string;
}

export type TokenVerifier = (token: string) => Promise<VerifiedJob>;

const FIX_AUDIENCE = (audience: string): string =>
  `request the token with audience ${audience} (the action's broker-audience input must equal the broker's BROKER_AUDIENCE)`;

function explain(error: unknown, config: BrokerConfig): Refusal {
  if (error instanceof errors.JWTExpired) {
    return new Refusal(
      401,
      'the token has expired: request a fresh token from the runner right before calling the broker',
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return new Refusal(
          401,
          `the token's issuer is not ${config.issuer}: only GitHub Actions job tokens are accepted`,
        );
      case 'aud':
        return new Refusal(
          401,
          `the token's audience is not ${config.audience}: ${FIX_AUDIENCE(config.audience)}`,
        );
      case 'nbf':
        return new Refusal(
          401,
          'the token is not valid yet (nbf is in the future): check the clock of the machine that made it',
        );
      case 'iat':
        return new Refusal(
          401,
          'the token was issued in the future (iat): check the clock of the machine that made it',
        );
      default:
        return new Refusal(
          401,
          `the token's ${error.claim} claim is not valid (${error.reason}): send a GitHub Actions job token`,
        );
    }
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new Refusal(503, `the issuer's keys (${config.jwksUrl}) could not be read in time: try again`);
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) {
    return new Refusal(
      401,
      `the token's signature does not verify with the keys of ${config.issuer}: send the job's own token, unchanged`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new Refusal(
      401,
      'the token is not signed with RS256: only GitHub Actions job tokens are accepted',
    );
  }
  if (error instanceof errors.JOSEError) {
    return new Refusal(
      401,
      `the token is not a valid JWT (${error.code}): send the job's OIDC token as "Authorization: Bearer <token>"`,
    );
  }
  // fetch failed (DNS, connection refused, TLS): the issuer is unreachable, not the token wrong.
  return new Refusal(503, `the issuer's keys (${config.jwksUrl}) could not be fetched: try again`);
}

function stringClaim(
  payload: JWTPayload,
  name: string,
  pattern: RegExp,
  required: boolean,
): string | undefined {
  const raw = payload[name];
  if (raw === undefined || raw === null || raw === '') {
    if (required) {
      throw new Refusal(
        403,
        `the token has no ${name} claim: send a GitHub Actions job token (these always carry it)`,
      );
    }
    return undefined;
  }
  if (typeof raw !== 'string' || !pattern.test(raw)) {
    throw new Refusal(403, `the token's ${name} claim is malformed: send a GitHub Actions job token`);
  }
  return raw;
}

/** Claims as GitHub writes them (every one a string; ids are decimal digits). */
export function jobFromPayload(payload: JWTPayload, config: BrokerConfig): VerifiedJob {
  const repositoryId = stringClaim(payload, 'repository_id', /^[1-9]\d{0,19}$/, true) as string;
  const repository = stringClaim(
    payload,
    'repository',
    /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/,
    true,
  ) as string;
  const owner = stringClaim(payload, 'repository_owner', /^[A-Za-z0-9-]{1,39}$/, true) as string;
  const ref = stringClaim(payload, 'ref', /^refs\/\S+$/, true) as string;
  const eventName = stringClaim(payload, 'event_name', /^[a-z_]{1,64}$/, true) as string;
  const baseRef = stringClaim(payload, 'base_ref', /^\S{1,255}$/, false);
  const runId = stringClaim(payload, 'run_id', /^\d{1,20}$/, false);
  const runAttempt = stringClaim(payload, 'run_attempt', /^\d{1,6}$/, false);

  if (repository.split('/')[0].toLowerCase() !== owner.toLowerCase()) {
    throw new Refusal(
      403,
      `the token's repository ${repository} is not owned by its repository_owner ${owner}`,
    );
  }
  if (!config.allowedOwners.includes(owner.toLowerCase())) {
    throw new Refusal(
      403,
      `repositories of ${owner} may not use this cache: add ${owner} to the broker's ALLOWED_OWNERS, or use a cache of ${owner}'s own`,
    );
  }
  return {
    repositoryId,
    repository,
    owner,
    ref,
    eventName,
    ...(baseRef ? { baseRef } : {}),
    ...(runId ? { runId } : {}),
    ...(runAttempt ? { runAttempt } : {}),
  };
}

export function createVerifier(config: BrokerConfig): TokenVerifier {
  const keys = createRemoteJWKSet(new URL(config.jwksUrl), {
    timeoutDuration: JWKS_TIMEOUT_MS,
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_MAX_AGE_MS,
  });
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      throw explain(error, config);
    }
    return jobFromPayload(payload, config);
  };
}
