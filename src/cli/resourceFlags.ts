/**
 * `exec`'s resource flags: the command's `process/start.resources`, in
 * docker run's words, which mean the same (`--memory`/`-m`, `--pids-limit`,
 * `--cpus`), sizes written as the server's `--process-memory-max` takes
 * them. `cpuWeight` has no flag: docker's `--cpu-shares` has another scale,
 * and exec's `--help` stays within its lines. The server refuses a value
 * above its operator's ceiling (-32600).
 */
import * as Option from "effect/Option"
import { parseSize } from "../limits/operatorFlags.js"
import type { ResourceRequest } from "../protocol/schema.js"
import type { CliFlag, CliValuesOf } from "./commandSpec.js"

/** The flags, spread into `exec`'s (their order is their order in its `--help`). */
export const resourceOptions = {
  memory: {
    _tag: "OptionalText",
    name: "memory",
    alias: "m",
    help: "Limit the command's memory and swap together (512M, 2G, or bytes; at least 1M), as docker's --memory; " +
      "over it the kernel's OOM killer ends it (exit 137)"
  },
  pidsLimit: {
    _tag: "OptionalText",
    name: "pids-limit",
    help: "Limit the command's processes and threads at once, as docker's --pids-limit (a fork beyond it fails)"
  },
  cpus: {
    _tag: "OptionalText",
    name: "cpus",
    help: "Limit the command's CPU time to this many CPUs (1.5), as docker's --cpus"
  }
} as const satisfies Record<string, CliFlag>

/** The flags' values, as `exec` parsed them. */
export type ResourceOptionValues = CliValuesOf<typeof resourceOptions>

/** `process/start`'s `resources` (nothing when no flag is given), or the first bad word's error text. */
export const execResourcesOf = (flags: ResourceOptionValues): { readonly resources?: ResourceRequest } | string => {
  const memory = Option.getOrUndefined(flags.memory)
  const pids = Option.getOrUndefined(flags.pidsLimit)
  const cpus = Option.getOrUndefined(flags.cpus)
  const resources: { -readonly [K in keyof ResourceRequest]: ResourceRequest[K] } = {}
  if (memory !== undefined) {
    const bytes = parseSize(memory)
    if (bytes === undefined || bytes < 1 << 20) return `--memory ${memory}: a size of at least 1M (512M, 2G, or bytes) is expected`
    resources.memoryBytes = bytes
  }
  if (pids !== undefined) {
    const n = wholeIn(pids)
    if (n === undefined || n < 1) return `--pids-limit ${pids}: a whole number of at least 1 is expected`
    resources.pids = n
  }
  if (cpus !== undefined) {
    const n = /^\d+(\.\d+)?$/.test(cpus.trim()) ? Number(cpus.trim()) : Number.NaN
    if (!(n >= 0.01 && n <= 1024)) return `--cpus ${cpus}: a number of CPUs from 0.01 to 1024 (1.5) is expected`
    resources.cpu = n
  }
  return Object.keys(resources).length === 0 ? {} : { resources }
}

const wholeIn = (word: string): number | undefined => {
  const n = /^\d+$/.test(word.trim()) ? Number(word.trim()) : Number.NaN
  return Number.isSafeInteger(n) ? n : undefined
}
