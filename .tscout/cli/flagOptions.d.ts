/**
 * The @effect/cli options of the flags declared in cli/commandFlags.ts:
 * each flag's parser, default, bounds and `--help` text come from its
 * declaration.
 */
import * as Options from "@effect/cli/Options";
import * as Option from "effect/Option";
import type * as ServerFlags from "../server/ServerFlags.js";
/** What a flag's option yields. */
export type ValueOf<F extends ServerFlags.Flag> = F extends ServerFlags.IntegerFlag ? number : F extends ServerFlags.OptionalIntegerFlag ? Option.Option<number> : F extends ServerFlags.TextFlag ? string : F extends ServerFlags.ChoiceFlag<infer A> ? A : F extends ServerFlags.OptionalChoiceFlag<infer A> ? Option.Option<A> : F extends ServerFlags.SwitchFlag ? boolean : F extends ServerFlags.RepeatedTextFlag ? Array<string> : Option.Option<string>;
/** What the options of a record of flags yield, under the same keys. */
export type ValuesOf<R extends Record<string, ServerFlags.Flag>> = {
    readonly [K in keyof R]: ValueOf<R[K]>;
};
/** The options of a record of flags, under the same keys. */
export type OptionsOf<R extends Record<string, ServerFlags.Flag>> = {
    readonly [K in keyof R]: Options.Options<ValueOf<R[K]>>;
};
/** A flag's `--help` text: its help, its default and its environment variable. */
export declare const helpOf: (flag: ServerFlags.Flag) => string;
/** The option of one flag. */
export declare const optionOf: (flag: ServerFlags.Flag) => Options.Options<unknown>;
/** The options of a record of flags, for `Command.make`. */
export declare const optionsOf: <R extends Record<string, ServerFlags.Flag>>(flags: R) => OptionsOf<R>;
/** The names of the flags that take a whole number. */
export declare const integerFlagNames: (flags: Record<string, ServerFlags.Flag>) => ReadonlySet<string>;
//# sourceMappingURL=flagOptions.d.ts.map