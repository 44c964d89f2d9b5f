/**
 * The shape of what each benchmark reports (figures beside their baselines, latency distributions),
 * and the table printed at the end of a run.
 */

export interface Baseline {
  readonly label: string
  readonly value: number
}

export interface Target {
  readonly text: string
  readonly met: boolean
}

export interface Figure {
  /** Stable key in `latest.json`, e.g. `pipeline.throughput`. */
  readonly key: string
  readonly figure: string
  readonly value: number
  readonly unit: string
  readonly baseline?: Baseline
  /** `value / baseline.value` unless the benchmark says otherwise. */
  readonly ratio?: number
  readonly target?: Target
  readonly note?: string
}

/** Latency samples in milliseconds, for the chart and the JSON. */
export interface Distribution {
  readonly name: string
  readonly samples: ReadonlyArray<number>
}

export interface Outcome {
  readonly figures: ReadonlyArray<Figure>
  readonly distributions: ReadonlyArray<Distribution>
  /** Anything else worth keeping in `latest.json` (CPU breakdowns, counts). */
  readonly details: Readonly<Record<string, unknown>>
}

export const outcome = (
  figures: ReadonlyArray<Figure>,
  distributions: ReadonlyArray<Distribution> = [],
  details: Readonly<Record<string, unknown>> = {}
): Outcome => ({ figures, distributions, details })

/** A figure with its baseline and the ratio between them. */
export const compared = (figure: Omit<Figure, "ratio">, baseline: Baseline): Figure => ({
  ...figure,
  baseline,
  ratio: figure.value / baseline.value
})

/** A figure that could not be measured, with the reason printed in its place. */
export const skipped = (key: string, figure: string, reason: string): Figure => ({
  key,
  figure,
  value: Number.NaN,
  unit: "",
  note: `skipped: ${reason}`
})

const formatNumber = (value: number): string => {
  if (!Number.isFinite(value)) return "—"
  const magnitude = Math.abs(value)
  if (magnitude >= 1000) return Math.round(value).toLocaleString("en-US")
  if (magnitude >= 100) return value.toFixed(0)
  if (magnitude >= 10) return value.toFixed(1)
  if (magnitude >= 1) return value.toFixed(2)
  return value.toFixed(3)
}

const withUnit = (value: number, unit: string) =>
  Number.isFinite(value) ? `${formatNumber(value)}${unit === "" ? "" : ` ${unit}`}` : "—"

/** The table: figure | value | baseline | ratio | target | met?, as GitHub-flavoured Markdown. */
export const table = (figures: ReadonlyArray<Figure>): string => {
  const rows = figures.map((figure) => [
    figure.figure,
    figure.note?.startsWith("skipped") ? figure.note : withUnit(figure.value, figure.unit),
    figure.baseline === undefined ? "" : `${withUnit(figure.baseline.value, figure.unit)} (${figure.baseline.label})`,
    figure.ratio === undefined || !Number.isFinite(figure.ratio) ? "" : `${formatNumber(figure.ratio)}×`,
    figure.target?.text ?? "",
    figure.target === undefined ? "" : figure.target.met ? "yes" : "NO"
  ])
  const header = ["figure", "value", "baseline", "ratio", "target", "met?"]
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n")
}
