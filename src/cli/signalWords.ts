/**
 * The words `kill --signal` takes for a signal, as kill(1) takes them
 * (procps-ng's `kill -s`, bash's builtin): a name with or without `SIG`, in
 * any case (`SIGKILL`, `KILL`, `kill`), or its number (`9`, as this
 * machine numbers it); and the protocol's own `interrupt`.
 */
import { constants } from "node:os"
import { SignalName } from "../protocol/schema.js"

/** The protocol's signals that are signals of the system (all but `interrupt`), each with its number here. */
const NUMBERED = SignalName.literals.flatMap((name) =>
  name === "interrupt" ? [] : [{ name, number: constants.signals[name] }]
)

/** The signal `word` names, or undefined when it names none the protocol sends. */
export const signalNamed = (word: string): SignalName | undefined => {
  if (/^\d+$/.test(word)) return NUMBERED.find((signal) => signal.number === Number(word))?.name
  const upper = word.toUpperCase()
  if (upper === "INTERRUPT") return "interrupt"
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`
  return NUMBERED.find((signal) => signal.name === name)?.name
}

/** The signals as `--help` and a misuse list them: `KILL (9)`, then `interrupt`. */
export const signalWordsHelp = (): string =>
  [...NUMBERED.map((signal) => `${signal.name.slice(3)} (${signal.number})`), "interrupt"].join(", ")
