/**
 * The function-URL handler (payload format 2.0): token → verified claims → default branch →
 * isolationGrant → AssumeRole with the grant's tags → the answer of broker/INTERFACE.md.
 */
import { isolationGrant } from '../../src/matching/isolation';
import { ConfigError, readConfig, type BrokerConfig } from './config';
import { createLookup, type DefaultBranchLookup } from './default-branch';
import { Refusal } from './refusal';
import { createSessionMaker, type SessionMaker } from './session';
import { createVerifier, type TokenVerifier, type VerifiedJob } from './verify';

/** The parts of a function-URL event (payload format 2.0) the broker reads. */
export interface FunctionUrlEvent {
  requestContext?: { http?: { method?: string } };
  headers?: Record<string, string | undefined>;
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface BrokerDeps {
  verify: TokenVerifier;
  defaultBranch: DefaultBranchLookup;
  assume: SessionMaker;
  log: (line: Record<string, unknown>) => void;
}

export const ANSWER_VERSION = 1;
/** A job token is about 1 KiB; far longer is not one, characters. */
const MAX_TOKEN_CHARS = 16_384;

const jsonLog = (line: Record<string, unknown>): void => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...line }));
};

function answer(statusCode: number, body: unknown): FunctionUrlResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function bearer(event: FunctionUrlEvent): string {
  const headers = event.headers ?? {};
  // Function URLs lower-case header names; other front ends may not.
  const header = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  if (!match || match[1].length > MAX_TOKEN_CHARS) {
    throw new Refusal(
      401,
      'no "Authorization: Bearer <token>" header: send the job\'s GitHub OIDC token (the workflow needs permissions: id-token: write)',
    );
  }
  return match[1];
}

function jobFields(job: VerifiedJob): Record<string, unknown> {
  return {
    repository: job.repository,
    repositoryId: job.repositoryId,
    ref: job.ref,
    event: job.eventName,
    runId: job.runId,
  };
}

export function createBroker(deps: BrokerDeps): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  return async (event) => {
    let job: VerifiedJob | undefined;
    try {
      const method = event.requestContext?.http?.method ?? 'POST';
      if (method !== 'POST')
        throw new Refusal(405, `${method} is not served: POST with "Authorization: Bearer <token>"`);
      job = await deps.verify(bearer(event));
      const defaultBranch = await deps.defaultBranch.defaultBranch(job);
      let grant;
      try {
        grant = isolationGrant(job, defaultBranch);
      } catch (error) {
        throw new Refusal(403, (error as Error).message);
      }
      const credentials = await deps.assume({ job, tags: grant.tags });
      deps.log({
        level: 'info',
        message: 'credentials issued',
        ...jobFields(job),
        defaultBranch: defaultBranch ?? null,
        write: grant.write?.ref ?? null,
        read: grant.read.map((scope) => scope.ref),
      });
      return answer(200, {
        version: ANSWER_VERSION,
        credentials,
        repository: grant.repository,
        write: grant.write,
        ...(grant.readOnlyReason ? { readOnlyReason: grant.readOnlyReason } : {}),
        read: grant.read,
      });
    } catch (error) {
      const refusal =
        error instanceof Refusal
          ? error
          : new Refusal(500, `the broker failed (${(error as Error).name}): see its logs`);
      deps.log({
        level: refusal.status >= 500 ? 'error' : 'warn',
        message: 'refused',
        status: refusal.status,
        reason: refusal.message,
        ...(job ? jobFields(job) : {}),
        ...(error instanceof Refusal ? {} : { error: (error as Error).message }),
      });
      return answer(refusal.status, { error: refusal.message });
    }
  };
}

/** The production wiring from a validated configuration. */
export function brokerFromConfig(
  config: BrokerConfig,
  log = jsonLog,
): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  return createBroker({
    verify: createVerifier(config),
    defaultBranch: createLookup(config, {
      log: (message, fields) => log({ level: 'warn', message, ...fields }),
    }),
    assume: createSessionMaker(config.cacheRoleArn, config.sessionSeconds),
    log,
  });
}

let cold: ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) | undefined;

/** The Lambda entry: the configuration is read once per cold start (a bad one answers 500 every time). */
export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  if (!cold) {
    try {
      cold = brokerFromConfig(readConfig(process.env));
    } catch (error) {
      const message = error instanceof ConfigError ? error.message : (error as Error).message;
      jsonLog({ level: 'error', message: 'broker misconfigured', reason: message });
      return answer(500, { error: `the broker is misconfigured: ${message}` });
    }
  }
  return cold(event);
}
