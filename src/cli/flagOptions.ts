/**
 * The @effect/cli options of the flags declared in cli/commandFlags.ts:
 * each flag's parser, default, bounds and `--help` text come from its
 * declaration.
 */
import * as Options from "@effect/cli/Options"
import * as Option from "effect/Option"
import * as Record from "effect/Record"
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

/** The options of a record of flags, under the same keys. */
export type OptionsOf<R extends Record<string, ServerFlags.Flag>> = {
  readonly [K in keyof R]: Options.Options<ValueOf<R[K]>>
}

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

/** Refuses a whole number below the flag's minimum with "--NAME must be at least MIN" (exit 2). */
const atLeast = (flag: ServerFlags.IntegerFlag | ServerFlags.OptionalIntegerFlag) =>
  Options.filterMap(
    (value: number) => value >= flag.minimum ? Option.some(value) : Option.none(),
    `--${flag.name} must be at least ${flag.minimum}`
  )

/** The option of one flag. */
export const optionOf = (flag: ServerFlags.Flag): Options.Options<unknown> => {
  const help = Options.withDescription(helpOf(flag))
  // The one-letter name goes on the plain option, before it is made optional or repeated.
  const named = <A>(option: Options.Options<A>): Options.Options<A> =>
    flag.alias === undefined ? option : Options.withAlias(option, flag.alias)
  switch (flag._tag) {
    case "Integer": {
      const fallback = flag.default
      return typeof fallback === "function"
        ? named(Options.integer(flag.name)).pipe(Options.optional, Options.map(Option.getOrElse(fallback)), help, atLeast(flag))
        : named(Options.integer(flag.name)).pipe(Options.withDefault(fallback), help, atLeast(flag))
    }
    case "OptionalInteger":
      return named(Options.integer(flag.name)).pipe(atLeast(flag), Options.optional, help)
    case "Text":
      return named(Options.text(flag.name)).pipe(Options.withDefault(flag.default), help)
    case "OptionalText":
      return named(Options.text(flag.name)).pipe(Options.optional, help)
    case "Choice":
      return named(Options.choice(flag.name, flag.choices)).pipe(Options.withDefault(flag.default), help)
    case "OptionalChoice":
      return named(Options.choice(flag.name, flag.choices)).pipe(Options.optional, help)
    case "OptionalFile":
      return named(Options.file(flag.name, { exists: "yes" })).pipe(Options.optional, help)
    case "Switch":
      return named(Options.boolean(flag.name)).pipe(help)
    case "RepeatedText":
      return named(Options.text(flag.name)).pipe(Options.repeated, help)
  }
}

/** The options of a record of flags, for `Command.make`. */
export const optionsOf = <R extends Record<string, ServerFlags.Flag>>(flags: R): OptionsOf<R> =>
  // What each option yields follows its flag's `_tag`, which `optionOf`'s signature cannot say.
  Record.map(flags, optionOf) as unknown as OptionsOf<R>
