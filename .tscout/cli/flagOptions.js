/**
 * The @effect/cli options of the flags declared in cli/commandFlags.ts:
 * each flag's parser, default, bounds and `--help` text come from its
 * declaration.
 */
import * as Options from "@effect/cli/Options";
import * as Arr from "effect/Array";
import * as Option from "effect/Option";
import * as Record from "effect/Record";
/** The default `--help` names, where the flag has one. */
const shownDefault = (flag) => {
    switch (flag._tag) {
        case "Integer":
        case "Text":
        case "Choice":
            return `(default ${flag.default})`;
        case "OptionalInteger":
            return `(default ${flag.impliedDefault})`;
        default:
            return flag.documentedDefault === undefined ? undefined : `(default: ${plain(flag.documentedDefault)})`;
    }
};
/** Markdown's code marks dropped, for a terminal. */
const plain = (markdown) => markdown.replaceAll("`", "");
/** A flag's `--help` text: its help, its default and its environment variable. */
export const helpOf = (flag) => {
    const text = plain(flag.help);
    return [
        text.charAt(0).toUpperCase() + text.slice(1),
        shownDefault(flag),
        flag.env === undefined ? undefined : `(env: ${flag.env.name}=${flag.env.value})`
    ].filter((part) => part !== undefined).join(" ");
};
/** Refuses a whole number below the flag's minimum with "--NAME must be at least MIN" (exit 2). */
const atLeast = (flag) => Options.filterMap((value) => value >= flag.minimum ? Option.some(value) : Option.none(), `--${flag.name} must be at least ${flag.minimum}`);
/** The option of one flag. */
export const optionOf = (flag) => {
    const help = Options.withDescription(helpOf(flag));
    switch (flag._tag) {
        case "Integer":
            return Options.integer(flag.name).pipe(Options.withDefault(flag.default), help, atLeast(flag));
        case "OptionalInteger":
            return Options.integer(flag.name).pipe(atLeast(flag), Options.optional, help);
        case "Text":
            return Options.text(flag.name).pipe(Options.withDefault(flag.default), help);
        case "OptionalText":
            return Options.text(flag.name).pipe(Options.optional, help);
        case "Choice":
            return Options.choice(flag.name, flag.choices).pipe(Options.withDefault(flag.default), help);
        case "OptionalChoice":
            return Options.choice(flag.name, flag.choices).pipe(Options.optional, help);
        case "OptionalFile":
            return Options.file(flag.name, { exists: "yes" }).pipe(Options.optional, help);
        case "Switch":
            return Options.boolean(flag.name).pipe(help);
        case "RepeatedText":
            return Options.text(flag.name).pipe(Options.repeated, help);
    }
};
/** The options of a record of flags, for `Command.make`. */
export const optionsOf = (flags) => 
// What each option yields follows its flag's `_tag`, which `optionOf`'s signature cannot say.
Record.map(flags, optionOf);
/** The names of the flags that take a whole number. */
export const integerFlagNames = (flags) => new Set(Arr.filterMap(Record.values(flags), (flag) => flag._tag === "Integer" || flag._tag === "OptionalInteger" ? Option.some(flag.name) : Option.none()));
//# sourceMappingURL=flagOptions.js.map