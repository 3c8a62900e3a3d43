/**
 * How the broker's AWS clients are made: region and endpoints from the SDK's standard configuration
 * (AWS_REGION, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SECRETS_MANAGER), so the bundle runs unchanged
 * against moto; bounded connection and request times; one retry.
 */
export const AWS_BOUNDS = {
  /** TCP connect, ms. */
  connectionTimeout: 1_000,
  /** One request without an answer, ms (STS answers in tens of ms). */
  requestTimeout: 3_000,
  /** Attempts including the first: two attempts of at most 4 s fit the 15 s Lambda timeout with the rest. */
  maxAttempts: 2,
};

export function clientConfig(): {
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
} {
  return {
    maxAttempts: AWS_BOUNDS.maxAttempts,
    // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes and keeps waiting.
    requestHandler: {
      connectionTimeout: AWS_BOUNDS.connectionTimeout,
      requestTimeout: AWS_BOUNDS.requestTimeout,
      throwOnRequestTimeout: true,
    },
  };
}
