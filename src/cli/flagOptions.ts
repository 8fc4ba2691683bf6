/**
 * What the flags declared in cli/commandFlags.ts yield and say in
 * `--help`; commandSpec.ts reads them (the command line no longer builds
 * @effect/cli options of them: issue 69).
 */
import type * as Option from "effect/Option"
import type * as ServerFlags from "../server/ServerFlags.js"

/** What a flag's option yields. */
export type ValueOf<F extends ServerFlags.Flag> = F extends ServerFlags.IntegerFlag ? number
  : F extends ServerFlags.OptionalIntegerFlag ? Option.Option<number>
  : F extends ServerFlags.TextFlag ? string
  : F extends ServerFlags.ChoiceFlag<infer A> ? A
  : F extends ServerFlags.OptionalChoiceFlag<infer A> ? Option.Option<A>
  : F extends ServerFlags.SwitchFlag ? boolean
  : F extends ServerFlags.RepeatedTextFlag ? Array<string>
  : Option.Option<string>

/** What the options of a record of flags yield, under the same keys. */
export type ValuesOf<R extends Record<string, ServerFlags.Flag>> = { readonly [K in keyof R]: ValueOf<R[K]> }

/** The default `--help` names, where the flag has one. */
const shownDefault = (flag: ServerFlags.Flag): string | undefined => {
  switch (flag._tag) {
    case "Integer":
      return typeof flag.default === "function" ? documented(flag) : `(default ${flag.default})`
    case "Text":
    case "Choice":
      return `(default ${flag.default})`
    case "OptionalInteger":
      return flag.documentedDefault === undefined ? `(default ${flag.impliedDefault})` : documented(flag)
    default:
      return documented(flag)
  }
}

const documented = (flag: ServerFlags.Flag): string | undefined =>
  flag.documentedDefault === undefined ? undefined : `(default: ${plain(flag.documentedDefault)})`

/** Markdown's code marks dropped, for a terminal. */
const plain = (markdown: string): string => markdown.replaceAll("`", "")

/** A flag's `--help` text: its help, its default and its environment variable. */
export const helpOf = (flag: ServerFlags.Flag): string => {
  const text = plain(flag.help)
  return [
    text.charAt(0).toUpperCase() + text.slice(1),
    shownDefault(flag),
    flag.env === undefined ? undefined : `(env: ${flag.env.name}=${flag.env.value})`
  ].filter((part) => part !== undefined).join(" ")
}
