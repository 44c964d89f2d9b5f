// Loaded before the session worker (`node --import`): touches a file every few seconds from the worker's own
// event loop, so the image's HEALTHCHECK can tell a live worker from a stalled or hung one by the file's age.
import { writeFile } from "node:fs"

const file = process.env.LIVENESS_FILE ?? "/tmp/vigia-alive"
const touch = () => writeFile(file, `${Date.now()}\n`, () => {})
touch()
setInterval(touch, 5_000).unref()
