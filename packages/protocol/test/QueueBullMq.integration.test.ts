import { layers } from "./Harness.ts"
import { queueContract } from "./QueueContract.ts"

queueContract("bullmq", layers.bullmq)
