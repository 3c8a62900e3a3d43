import { describeFacts, errorFacts, isTransient } from '../../../src/errors/facts';

function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} message`), {
    name,
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

describe('error facts', () => {
  it('reads the status, the service code and the cause of an SDK error', () => {
    const facts = errorFacts(sdkError('AccessDenied', 403));
    expect(facts).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      cause: 'AccessDenied: AccessDenied message',
    });
    expect(describeFacts(facts)).toBe('HTTP 403: AccessDenied: AccessDenied message');
  });

  it('does not call "Unknown" a code: an answer without an error document says what it was', () => {
    const html = sdkError('Unknown', 500, {
      $response: { statusCode: 500, headers: { 'content-type': 'text/html' } },
    });
    expect(errorFacts(html)).toMatchObject({ status: 500, code: undefined });
    expect(errorFacts(html).cause).toBe('no AWS error document in the answer (a text/html body)');
    expect(errorFacts(sdkError('UnknownError', 403)).cause).toBe(
      'no AWS error document in the answer (no body)',
    );
  });

  it('names a network failure by its code', () => {
    const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(errorFacts(reset)).toMatchObject({ status: undefined, cause: 'ECONNRESET: aborted' });
    const timeout = Object.assign(new Error('socket timed out after 1000 ms'), { name: 'TimeoutError' });
    expect(errorFacts(timeout).cause).toBe('TimeoutError: socket timed out after 1000 ms');
  });

  it('retries no answer, a broken-off answer, 5xx, 429, 408 and throttling codes; not other 4xx', () => {
    expect(isTransient(new Error('socket hang up'))).toBe(true);
    expect(isTransient(sdkError('TimeoutError', 200))).toBe(true);
    expect(isTransient(sdkError('InternalError', 500))).toBe(true);
    expect(isTransient(sdkError('Unknown', 502))).toBe(true);
    expect(isTransient(sdkError('TooManyRequests', 429))).toBe(true);
    expect(isTransient(sdkError('IDPCommunicationError', 400))).toBe(true);
    expect(isTransient(sdkError('AccessDenied', 403))).toBe(false);
    expect(isTransient(sdkError('NoSuchBucket', 404))).toBe(false);
    expect(isTransient(sdkError('PreconditionFailed', 412))).toBe(false);
  });
});
