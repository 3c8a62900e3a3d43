/**
 * runner-jit: run by the runner image's PID 1 (runner/init.sh) before anything else, with the task role's
 * credentials (the container credentials URI, or keys in tests). Reads RUNNER_JIT_PARAMETER from SSM,
 * deletes it, writes the runner's configuration files into RUNNER_HOME and exits; prints one line on
 * stderr, never the configuration. Exit statuses: jit.ts EXIT.
 *
 *   runner-jit            the SSM parameter RUNNER_JIT_PARAMETER
 *   runner-jit --stdin    an encoded_jit_config on stdin (RUNNER_JIT_CONFIG, manual use; no AWS)
 */
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EXIT, JitError, ParameterStore, resolveSettings, takeJitConfig, writeGivenJitConfig } from './jit';

/** Per request (ms): connecting, and waiting for an answer; the whole run has RUNNER_JIT_TIMEOUT_SECONDS. */
const CONNECT_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** SDK attempts per call (first try plus retries with backoff), for throttling and transient errors. */
const MAX_ATTEMPTS = 3;
/** The most read from stdin (bytes): a JIT configuration is a few KiB. */
const MAX_STDIN_BYTES = 1 << 20;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new JitError('RUNNER_JIT_CONFIG is larger than 1 MiB: check the value', EXIT.badConfig);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function ssmStore(): ParameterStore {
  const client = new SSMClient({
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  });
  const notFound = (error: unknown) => error instanceof Error && error.name === 'ParameterNotFound';
  return {
    async get(name, signal) {
      try {
        const answer = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), {
          abortSignal: signal,
        });
        return answer.Parameter?.Value;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async delete(name, signal) {
      try {
        await client.send(new DeleteParameterCommand({ Name: name }), { abortSignal: signal });
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        throw error;
      }
    },
  };
}

async function main(args: string[]): Promise<number> {
  try {
    const line =
      args[0] === '--stdin'
        ? writeGivenJitConfig(resolveSettings(process.env, 'stdin'), await readStdin())
        : await takeJitConfig(resolveSettings(process.env, 'ssm'), ssmStore());
    process.stderr.write(`runner-jit: ${line}\n`);
    return 0;
  } catch (error) {
    if (error instanceof JitError) {
      process.stderr.write(`runner-jit: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`runner-jit: unexpected failure: ${error instanceof Error ? error.name : 'Error'}\n`);
    return EXIT.unavailable;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
