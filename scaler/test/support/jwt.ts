/**
 * RS256 JSON Web Tokens, as GitHub Apps use them to authenticate as the App
 * (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
 * claims `iat`, `exp` (at most 10 minutes ahead), `iss` (the App id or client id), signed RS256 with
 * the App's private key. The fake GitHub verifies with the App's public key; tests sign with these helpers
 * (the scaler itself signs with @octokit/auth-app).
 */
import { createPublicKey, createSign, createVerify, generateKeyPairSync, KeyObject } from 'node:crypto';

export interface AppKeyPair {
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), the form GitHub's "Generate a private key" download has. */
  privateKeyPem: string;
  /** SPKI PEM, what the fake verifies with. */
  publicKeyPem: string;
}

/** A fresh 2048-bit RSA key pair for a test App (about 50-200 ms of CPU). */
export function generateAppKeyPair(): AppKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Signs any claims object with RS256 (tests use it to build both good and deliberately bad JWTs). */
export function signRs256Jwt(
  privateKeyPem: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' },
): string {
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKeyPem);
  return `${signingInput}.${b64url(signature)}`;
}

/** An App JWT the way GitHub's docs recommend: iat 60 s in the past, exp 9 minutes ahead of now. */
export function appJwt(privateKeyPem: string, appId: number | string, nowMs: number = Date.now()): string {
  const nowS = Math.floor(nowMs / 1000);
  return signRs256Jwt(privateKeyPem, { iat: nowS - 60, exp: nowS + 9 * 60, iss: appId });
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/**
 * Splits and checks the signature of a compact JWS. Returns undefined when the token is not three
 * base64url parts of JSON, is not RS256, or its signature does not verify with `publicKey`: GitHub
 * answers all of these the same way ("A JSON web token could not be decoded").
 */
export function decodeVerifiedRs256(token: string, publicKey: string | KeyObject): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(header) || !isRecord(claims) || header.alg !== 'RS256') return undefined;
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const ok = createVerify('RSA-SHA256')
    .update(`${headerPart}.${claimsPart}`)
    .verify(key, Buffer.from(signaturePart, 'base64url'));
  return ok ? { header, claims } : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
