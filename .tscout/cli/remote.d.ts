import * as Command from "@effect/cli/Command";
import * as Option from "effect/Option";
/** The client subcommands of the binary. */
export declare const clientCommands: readonly [Command.Command<"exec", never, never, {
    readonly tty: boolean;
    readonly noTty: boolean;
    readonly cwd: Option.Option<string>;
    readonly env: Option.Option<import("effect/HashMap").HashMap<string, string>>;
    readonly detachTtlMs: Option.Option<number>;
    readonly detach: boolean;
    readonly processId: Option.Option<string>;
    readonly argv: [string, ...string[]];
    readonly natsCreds: Option.Option<string>;
    readonly natsUser: Option.Option<string>;
    readonly natsPasswordFile: Option.Option<string>;
    readonly natsTokenFile: Option.Option<string>;
    readonly natsTlsCa: Option.Option<string>;
    readonly natsTlsCert: Option.Option<string>;
    readonly natsTlsKey: Option.Option<string>;
    readonly url: string;
    readonly tokenFile: Option.Option<string>;
    readonly serverLogLevel: "error" | "none" | "all" | "warning" | "info" | "fatal" | "debug" | "trace";
}>, Command.Command<"attach", never, never, {
    readonly session: string;
    readonly processId: string;
    readonly natsCreds: Option.Option<string>;
    readonly natsUser: Option.Option<string>;
    readonly natsPasswordFile: Option.Option<string>;
    readonly natsTokenFile: Option.Option<string>;
    readonly natsTlsCa: Option.Option<string>;
    readonly natsTlsCert: Option.Option<string>;
    readonly natsTlsKey: Option.Option<string>;
    readonly url: string;
    readonly tokenFile: Option.Option<string>;
    readonly serverLogLevel: "error" | "none" | "all" | "warning" | "info" | "fatal" | "debug" | "trace";
}>, Command.Command<"ps", never, never, {
    readonly session: Option.Option<string>;
    readonly natsCreds: Option.Option<string>;
    readonly natsUser: Option.Option<string>;
    readonly natsPasswordFile: Option.Option<string>;
    readonly natsTokenFile: Option.Option<string>;
    readonly natsTlsCa: Option.Option<string>;
    readonly natsTlsCert: Option.Option<string>;
    readonly natsTlsKey: Option.Option<string>;
    readonly url: string;
    readonly tokenFile: Option.Option<string>;
    readonly serverLogLevel: "error" | "none" | "all" | "warning" | "info" | "fatal" | "debug" | "trace";
}>, Command.Command<"kill", never, never, {
    readonly session: Option.Option<string>;
    readonly signal: Option.Option<"SIGINT" | "SIGTERM" | "SIGKILL" | "SIGHUP" | "SIGQUIT" | "SIGUSR1" | "SIGUSR2" | "SIGSTOP" | "SIGCONT" | "SIGWINCH" | "interrupt">;
    readonly wait: boolean;
    readonly noWait: boolean;
    readonly processId: string;
    readonly natsCreds: Option.Option<string>;
    readonly natsUser: Option.Option<string>;
    readonly natsPasswordFile: Option.Option<string>;
    readonly natsTokenFile: Option.Option<string>;
    readonly natsTlsCa: Option.Option<string>;
    readonly natsTlsCert: Option.Option<string>;
    readonly natsTlsKey: Option.Option<string>;
    readonly url: string;
    readonly tokenFile: Option.Option<string>;
    readonly serverLogLevel: "error" | "none" | "all" | "warning" | "info" | "fatal" | "debug" | "trace";
}>, Command.Command<"environments", never, never, {
    readonly natsCreds: Option.Option<string>;
    readonly natsUser: Option.Option<string>;
    readonly natsPasswordFile: Option.Option<string>;
    readonly natsTokenFile: Option.Option<string>;
    readonly natsTlsCa: Option.Option<string>;
    readonly natsTlsCert: Option.Option<string>;
    readonly natsTlsKey: Option.Option<string>;
    readonly connect: string;
    readonly json: boolean;
}>];
//# sourceMappingURL=remote.d.ts.map