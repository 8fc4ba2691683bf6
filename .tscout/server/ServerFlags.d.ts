/** What every flag declares. */
interface FlagBase {
    /** The name after `--`. */
    readonly name: string;
    /** What it does, in Markdown: the docs table's text; `--help` shows it without the backticks. */
    readonly help: string;
    /** How the docs table names its value (`N`, `PATH`); none for a switch. */
    readonly metavar?: string;
    /**
     * The default as the docs table states it, in Markdown, where the value is
     * not fixed (derived from the machine) or not a value at all (`bwrap` from PATH).
     */
    readonly documentedDefault?: string;
    /** An environment variable that sets it too, and the value it takes for the flag. */
    readonly env?: {
        readonly name: string;
        readonly value: string;
        readonly rule: string;
    };
}
/** A whole number with a default, refused below `minimum` (exit 2). */
export interface IntegerFlag extends FlagBase {
    readonly _tag: "Integer";
    readonly default: number;
    readonly minimum: number;
}
/** A whole number that may be absent (its absence means something); `impliedDefault` is what absence amounts to. */
export interface OptionalIntegerFlag extends FlagBase {
    readonly _tag: "OptionalInteger";
    readonly impliedDefault: number;
    readonly minimum: number;
}
/** Text with a default. */
export interface TextFlag extends FlagBase {
    readonly _tag: "Text";
    readonly default: string;
}
/** Text that may be absent. */
export interface OptionalTextFlag extends FlagBase {
    readonly _tag: "OptionalText";
}
/** One of a few words, with a default. */
export interface ChoiceFlag<A extends string = string> extends FlagBase {
    readonly _tag: "Choice";
    readonly choices: ReadonlyArray<A>;
    readonly default: A;
}
/** One of a few words, or absent. */
export interface OptionalChoiceFlag<A extends string = string> extends FlagBase {
    readonly _tag: "OptionalChoice";
    readonly choices: ReadonlyArray<A>;
}
/** The path of a file that must exist, or absent. */
export interface OptionalFileFlag extends FlagBase {
    readonly _tag: "OptionalFile";
}
/** On when given. */
export interface SwitchFlag extends FlagBase {
    readonly _tag: "Switch";
}
/** Text that may be given any number of times. */
export interface RepeatedTextFlag extends FlagBase {
    readonly _tag: "RepeatedText";
}
/** A flag of the server command. */
export type Flag = IntegerFlag | OptionalIntegerFlag | TextFlag | OptionalTextFlag | ChoiceFlag | OptionalChoiceFlag | OptionalFileFlag | SwitchFlag | RepeatedTextFlag;
type Spec<F extends Flag> = Omit<F, "_tag" | "name">;
export declare const integer: (name: string, spec: Omit<Spec<IntegerFlag>, "minimum"> & {
    readonly minimum?: number;
}) => IntegerFlag;
export declare const text: (name: string, spec: Spec<TextFlag>) => TextFlag;
export declare const optionalText: (name: string, spec: Spec<OptionalTextFlag>) => OptionalTextFlag;
export declare const choice: <const A extends string>(name: string, spec: Spec<ChoiceFlag<A>>) => ChoiceFlag<A>;
export declare const optionalChoice: <const A extends string>(name: string, spec: Spec<OptionalChoiceFlag<A>>) => OptionalChoiceFlag<A>;
export declare const optionalFile: (name: string, spec: Spec<OptionalFileFlag>) => OptionalFileFlag;
export declare const switchFlag: <const S extends Spec<SwitchFlag>>(name: string, spec: S) => SwitchFlag & S;
export declare const repeatedText: (name: string, spec: Spec<RepeatedTextFlag>) => RepeatedTextFlag;
/** The flags that set `ServerConfig`'s numeric settings, by setting (their defaults are `ServerConfig.defaults`). */
export declare const configFlags: {
    readonly graceMs: IntegerFlag;
    readonly retainedOutputBytes: IntegerFlag;
    readonly retentionMs: IntegerFlag;
    readonly maxRetainedProcesses: IntegerFlag;
    readonly maxRetainedOutputBytes: IntegerFlag;
    readonly closeDrainMs: IntegerFlag;
    readonly maxMessageBytes: IntegerFlag;
    readonly maxInflightRequests: IntegerFlag;
    readonly maxInflightRequestBytes: IntegerFlag;
    readonly maxDetachTtlMs: IntegerFlag;
    readonly maxReadFileBytes: IntegerFlag;
    readonly maxProcesses: IntegerFlag;
    readonly maxFileHandles: IntegerFlag;
    readonly maxSessions: IntegerFlag;
    readonly maxLiveProcesses: IntegerFlag;
    readonly maxServerFileHandles: IntegerFlag;
    readonly maxLiveOutputBytes: IntegerFlag;
    readonly maxHttpResponseBytes: IntegerFlag;
    readonly outboundHighWaterMarkBytes: IntegerFlag;
};
/** The flags of the operator's sandbox. */
export declare const sandboxFlags: {
    readonly sandbox: SwitchFlag & {
        readonly help: "run every process and fs call under the operator's sandbox: the file system read-only, no network, unless the `--sandbox-*` flags say more; clients can narrow it, never widen it";
    };
    readonly sandboxWrite: RepeatedTextFlag;
    readonly sandboxReadOnly: RepeatedTextFlag;
    readonly sandboxDeny: RepeatedTextFlag;
    readonly sandboxNetwork: SwitchFlag & {
        readonly help: "let sandboxed processes use the network (implies `--sandbox`)";
    };
    readonly sandboxPolicy: OptionalFileFlag;
    readonly bwrap: OptionalTextFlag;
};
export {};
//# sourceMappingURL=ServerFlags.d.ts.map