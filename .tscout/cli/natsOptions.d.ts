import type { NatsAuth, NatsTls } from "../remote/natsOptions.js";
import type { natsFlags } from "./commandFlags.js";
import type { ValuesOf } from "./flagOptions.js";
export type NatsFlagValues = ValuesOf<typeof natsFlags>;
/** The authentication and TLS the flags ask for, or why they cannot be used together. */
export declare const natsAuthOf: (flags: NatsFlagValues) => {
    readonly auth: NatsAuth;
    readonly tls: NatsTls;
} | string;
/** Whether any NATS flag was given (they need `--connect`, or a `nats://` URL). */
export declare const hasNatsFlags: (flags: NatsFlagValues) => boolean;
/** `--connect nats://H:P[,nats://H:P...]` (the scheme optional after the first) as server URLs, or why it is not one. */
export declare const serversOf: (connect: string) => ReadonlyArray<string> | string;
//# sourceMappingURL=natsOptions.d.ts.map