/**
 * The operator's limits from the command line's words: sizes as docker
 * writes them (`512M`, `2g`, `1048576`; K, M, G, T are powers of 1024),
 * counts, and CPUs (`1.5`). A bad word is the flag's error text.
 */
import type { OperatorLimits } from "./ResourceLimits.js"

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** Bytes of a size word, or undefined when it is not one. */
export const parseSize = (word: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(word.trim())
  if (match === null) return undefined
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!)
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined
}

/** The flags' names, as the command line's parsed flags have them. */
export const LIMIT_FLAGS = ["processMemoryMax", "processPidsMax", "processCpuMax", "sessionMemoryMax", "sessionPidsMax"] as const

/** The flags' words, as given (absent: not limited). */
export interface OperatorLimitWords {
  readonly processMemoryMax?: string | undefined
  readonly processPidsMax?: string | undefined
  readonly processCpuMax?: string | undefined
  readonly sessionMemoryMax?: string | undefined
  readonly sessionPidsMax?: string | undefined
}

/** The operator's limits, or the error text of the first bad word. */
export const operatorLimitsOf = (words: OperatorLimitWords): OperatorLimits | string => {
  const problems: Array<string> = []
  const size = (flag: string, word: string | undefined): number | undefined => {
    if (word === undefined) return undefined
    const bytes = parseSize(word)
    if (bytes === undefined || bytes < 1 << 20) problems.push(`--${flag} ${word}: a size of at least 1M (512M, 2G, or bytes) is expected`)
    return bytes
  }
  const count = (flag: string, word: string | undefined): number | undefined => {
    if (word === undefined) return undefined
    const n = /^\d+$/.test(word.trim()) ? Number(word.trim()) : Number.NaN
    if (!Number.isSafeInteger(n) || n < 1) problems.push(`--${flag} ${word}: a whole number of at least 1 is expected`)
    return n
  }
  const cpus = (flag: string, word: string | undefined): number | undefined => {
    if (word === undefined) return undefined
    const n = /^\d+(\.\d+)?$/.test(word.trim()) ? Number(word.trim()) : Number.NaN
    if (!(n >= 0.01 && n <= 1024)) problems.push(`--${flag} ${word}: a number of CPUs from 0.01 to 1024 (1.5) is expected`)
    return n
  }
  const limits: OperatorLimits = {
    process: {
      memoryBytes: size("process-memory-max", words.processMemoryMax),
      pids: count("process-pids-max", words.processPidsMax),
      cpu: cpus("process-cpu-max", words.processCpuMax)
    },
    session: {
      memoryBytes: size("session-memory-max", words.sessionMemoryMax),
      pids: count("session-pids-max", words.sessionPidsMax)
    }
  }
  return problems.length > 0 ? problems[0]! : limits
}
