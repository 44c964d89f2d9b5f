/**
 * The latency chart: one cumulative distribution line per measured distribution, time on a logarithmic axis and
 * the share of requests on an axis that stretches the tail (up to 99.9 %), with each line's p50 and p99 in the
 * legend; written as a self-contained SVG (no plotting dependency).
 */
import type { Distribution } from "./Report.ts"
import * as Stats from "./Stats.ts"

const width = 1000
const margin = { top: 56, right: 50, bottom: 60, left: 76 }
const plotWidth = width - margin.left - margin.right
const plotHeight = 400
const legendRow = 22
const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")

const formatMs = (ms: number) =>
  ms >= 1000
    ? `${Number((ms / 1000).toPrecision(3))} s`
    : ms >= 1
    ? `${Number(ms.toPrecision(3))} ms`
    : `${Number((ms * 1000).toPrecision(3))} µs`

/** The chart of `distributions` (milliseconds), titled with `title` and `subtitle`. */
export const latencyCdf = (distributions: ReadonlyArray<Distribution>, title: string, subtitle: string): string => {
  const drawn = distributions.filter((distribution) => distribution.samples.some((sample) => sample > 0))
  const all = drawn.flatMap((distribution) => distribution.samples.filter((sample) => sample > 0))
  const low = Math.floor(Math.log10(Math.max(1e-3, Math.min(...all, 1))))
  const high = Math.ceil(Math.log10(Math.max(...all, 10)))
  const x = (ms: number) => margin.left + ((Math.log10(Math.max(ms, 10 ** low)) - low) / (high - low)) * plotWidth
  // -log10(1 - share): 0 % → 0, 90 % → 1, 99 % → 2, 99.9 % → 3 (the top).
  const tail = (fraction: number) => Math.min(3, -Math.log10(Math.max(1e-3, 1 - fraction)))
  const y = (fraction: number) => margin.top + (1 - tail(fraction) / 3) * plotHeight

  const grid: Array<string> = []
  for (let decade = low; decade <= high; decade++) {
    const px = x(10 ** decade).toFixed(1)
    grid.push(`<line x1="${px}" y1="${margin.top}" x2="${px}" y2="${margin.top + plotHeight}" stroke="#ccc"/>`)
    grid.push(
      `<text x="${px}" y="${margin.top + plotHeight + 20}" text-anchor="middle" font-size="13">${escape(formatMs(10 ** decade))}</text>`
    )
    for (let step = 2; step < 10 && decade < high; step++) {
      const minor = x(step * 10 ** decade).toFixed(1)
      grid.push(`<line x1="${minor}" y1="${margin.top}" x2="${minor}" y2="${margin.top + plotHeight}" stroke="#eee"/>`)
    }
  }
  for (const fraction of [0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) {
    const py = y(fraction).toFixed(1)
    grid.push(`<line x1="${margin.left}" y1="${py}" x2="${margin.left + plotWidth}" y2="${py}" stroke="#ddd"/>`)
    grid.push(
      `<text x="${margin.left - 8}" y="${py}" text-anchor="end" dominant-baseline="middle" font-size="13">${Number((fraction * 100).toFixed(1))}%</text>`
    )
  }
  // The median and the 99th percentile, named on the right.
  for (const [fraction, name] of [[0.5, "p50"], [0.99, "p99"]] as const) {
    const py = y(fraction).toFixed(1)
    grid.push(`<line x1="${margin.left}" y1="${py}" x2="${margin.left + plotWidth}" y2="${py}" stroke="#888" stroke-dasharray="4 3"/>`)
    grid.push(`<text x="${margin.left + plotWidth + 6}" y="${py}" dominant-baseline="middle" font-size="13" fill="#555">${name}</text>`)
  }

  const lines = drawn.map((distribution, index) => {
    const color = palette[index % palette.length] ?? "#000"
    const points = Stats.cdf(distribution.samples, 600)
    const path = points
      .map(([ms, fraction], at) => `${at === 0 ? "M" : "L"}${x(ms).toFixed(1)},${y(fraction).toFixed(1)}`)
      .join(" ")
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2.2"/>`
  })

  // The legend sits under the plot, so it never hides a line.
  const legendTop = margin.top + plotHeight + margin.bottom
  const legend = drawn.map((distribution, index) => {
    const color = palette[index % palette.length] ?? "#000"
    const summary = Stats.latencies(distribution.samples)
    const top = legendTop + index * legendRow
    const left = margin.left
    const label = `${distribution.name}: p50 ${formatMs(summary.p50)}, p99 ${formatMs(summary.p99)} (n=${summary.count})`
    return `<line x1="${left}" y1="${top}" x2="${left + 24}" y2="${top}" stroke="${color}" stroke-width="3"/>` +
      `<text x="${left + 30}" y="${top}" dominant-baseline="middle" font-size="13">${escape(label)}</text>`
  })
  const height = legendTop + drawn.length * legendRow + 10

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="24" font-size="18" font-weight="bold">${escape(title)}</text>`,
    `<text x="${margin.left}" y="44" font-size="13" fill="#555">${escape(subtitle)}</text>`,
    ...grid,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#666"/>`,
    ...lines,
    ...legend,
    `<text x="${margin.left + plotWidth / 2}" y="${margin.top + plotHeight + 42}" text-anchor="middle" font-size="14">latency (log scale)</text>`,
    `<text x="18" y="${margin.top + plotHeight / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 18 ${margin.top + plotHeight / 2})">share of requests at or below (tail stretched)</text>`,
    "</svg>",
    ""
  ].join("\n")
}
