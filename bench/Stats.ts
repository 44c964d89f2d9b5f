/**
 * Summaries of measured samples: percentiles of latencies, rates, medians, and the
 * empirical distribution a chart draws; pure functions over arrays of numbers.
 */

export interface Latencies {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

const sorted = (samples: ReadonlyArray<number>): Array<number> => [...samples].sort((a, b) => a - b)

/** The value below which `fraction` of the samples fall (nearest rank); NaN for no samples. */
export const quantile = (samples: ReadonlyArray<number>, fraction: number): number => {
  if (samples.length === 0) return Number.NaN
  const ordered = sorted(samples)
  const rank = Math.min(ordered.length - 1, Math.max(0, Math.ceil(fraction * ordered.length) - 1))
  return ordered[rank] as number
}

export const median = (samples: ReadonlyArray<number>): number => quantile(samples, 0.5)

export const latencies = (samples: ReadonlyArray<number>): Latencies => ({
  count: samples.length,
  p50: quantile(samples, 0.5),
  p95: quantile(samples, 0.95),
  p99: quantile(samples, 0.99),
  max: samples.length === 0 ? Number.NaN : Math.max(...samples),
  mean: samples.length === 0 ? Number.NaN : samples.reduce((sum, sample) => sum + sample, 0) / samples.length
})

/**
 * The empirical CDF as (value, fraction) pairs for drawing: about `points` of them below the 90th percentile, and
 * every sample above it, where a tail's shape is.
 */
export const cdf = (samples: ReadonlyArray<number>, points = 200): Array<readonly [number, number]> => {
  const ordered = sorted(samples)
  if (ordered.length === 0) return []
  const step = Math.max(1, Math.floor(ordered.length / points))
  const result: Array<readonly [number, number]> = []
  for (let index = 0; index < ordered.length; index++) {
    const fraction = (index + 1) / ordered.length
    if (index % step === 0 || fraction >= 0.9) result.push([ordered[index] as number, fraction])
  }
  result.push([ordered[ordered.length - 1] as number, 1])
  return result
}
