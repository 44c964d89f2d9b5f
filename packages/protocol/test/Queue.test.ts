import { layers } from "./Harness.ts"
import { queueContract } from "./QueueContract.ts"

queueContract("memory", layers.memory)
