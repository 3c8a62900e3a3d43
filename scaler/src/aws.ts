/**
 * One place decides how every AWS client is made: region and endpoints from the SDK's standard
 * configuration (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_ECS, ...), so the handlers run
 * unchanged against moto; bounded connection and request times; a few SDK retries.
 */
export interface ClientBounds {
  /** TCP connect, ms. */
  connectionTimeout: number;
  /** Whole request without an answer, ms. */
  requestTimeout: number;
  /** SDK attempts including the first. */
  maxAttempts: number;
}

export const WEBHOOK_AWS: ClientBounds = { connectionTimeout: 1_000, requestTimeout: 2_500, maxAttempts: 2 };
export const RECONCILER_AWS: ClientBounds = {
  connectionTimeout: 2_000,
  requestTimeout: 8_000,
  maxAttempts: 3,
};

export function clientConfig(bounds: ClientBounds): {
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
} {
  return {
    maxAttempts: bounds.maxAttempts,
    // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes and keeps waiting.
    requestHandler: {
      connectionTimeout: bounds.connectionTimeout,
      requestTimeout: bounds.requestTimeout,
      throwOnRequestTimeout: true,
    },
  };
}

export function errorName(error: unknown): string {
  return (error as { name?: string } | null)?.name ?? '';
}
