/**
 * Bundles the session worker into `dist/bundle/` (`npm run bundle`, run by `scripts/setup.sh` and the image's
 * build): the program the process runtime and the image run, as tree-shaken ES modules in a chunk per large
 * dependency, with TDLib's native packages left outside. Why a bundle, and the figures: docs/ARCHITECTURE.md.
 */
import { build, type CodeSplittingGroup } from "rolldown"
import * as Fs from "node:fs"
import * as Url from "node:url"

const packageRoot = Url.fileURLToPath(new URL("..", import.meta.url))
const outputDirectory = Url.fileURLToPath(new URL("../dist/bundle", import.meta.url))

/** Native addons and the packages that locate them on disk stay in node_modules, where they resolve their files. */
const external = ["tdl", "prebuilt-tdlib", "msgpackr-extract"]

/**
 * One chunk per large dependency, so no single module is parsed at once: what V8's parser takes for one large module
 * stays resident after it (about 6 MiB for one 1.4 MB file). Only what the program loads at start is grouped
 * (`$initial`); the fake TDLib, imported on demand, keeps its own chunk with the modules only it needs.
 */
const chunks: Array<CodeSplittingGroup> = [
  { name: "effect", test: /node_modules[\\/]effect[\\/]/, tags: ["$initial"] },
  { name: "bullmq", test: /node_modules[\\/]bullmq[\\/]/, tags: ["$initial"] },
  { name: "vendor", test: /node_modules[\\/]/, tags: ["$initial"] }
]

Fs.rmSync(outputDirectory, { recursive: true, force: true })
await build({
  cwd: packageRoot,
  input: { main: "src/main.ts" },
  platform: "node",
  external,
  resolve: { conditionNames: ["@vigia/source", "import", "node", "default"], mainFields: ["module", "main"] },
  transform: { target: "node24" },
  logLevel: "warn",
  output: {
    dir: outputDirectory,
    format: "esm",
    // V8 keeps each module's source in memory, as one byte a character only if every character fits in Latin-1:
    // one "—" in bullmq's SQL comments would double its 1.1 MB chunk. Escaped, the sources stay one byte wide.
    charset: "ascii",
    minify: true,
    sourcemap: true,
    codeSplitting: { groups: chunks }
  }
})
