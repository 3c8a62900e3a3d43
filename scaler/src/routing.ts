/**
 * GitHub's label rule: a runner can take a job when it has every label the job asks for, compared
 * case-insensitively. A job goes to the first pool, in configuration order, whose labels include all
 * of the job's labels; null when no pool can serve it.
 */
export interface Labelled {
  name: string;
  labels: string[];
}

export function canServe(runnerLabels: readonly string[], jobLabels: readonly string[]): boolean {
  const have = new Set(runnerLabels.map((l) => l.trim().toLowerCase()));
  return jobLabels.every((l) => have.has(l.trim().toLowerCase()));
}

export function routeJob<P extends Labelled>(jobLabels: readonly string[], pools: readonly P[]): P | null {
  // A job with no labels at all (not produced by runs-on) is never ours to guess about.
  if (jobLabels.length === 0) return null;
  return pools.find((pool) => canServe(pool.labels, jobLabels)) ?? null;
}
