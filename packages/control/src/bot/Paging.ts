/**
 * Long listings in messages under Telegram's 4,096 characters: as many entries as fit after a header, the rest
 * on the pages after it, reached with buttons.
 */

/** The most characters of a page, leaving room under Telegram's 4,096 for a line the page adds (its number). */
export const maxPageLength = 3_800

/** As many entries as fit after `header` (always one), each after `separator`; the rest wait for the next page. */
export const fitPage = (header: string, entries: ReadonlyArray<string>, separator = "\n") => {
  let text = header
  let shown = 0
  for (const entry of entries) {
    if (text.length + separator.length + entry.length > maxPageLength && shown > 0) break
    text += `${separator}${entry}`
    shown++
  }
  return { text, shown }
}

/** Where each page of `entries` starts, every page under the same `header`. */
export const pageStarts = (header: string, entries: ReadonlyArray<string>, separator = "\n"): ReadonlyArray<number> => {
  const starts: Array<number> = []
  for (let start = 0; start < entries.length;) {
    starts.push(start)
    start += fitPage(header, entries.slice(start), separator).shown
  }
  return starts
}
