/**
 * The `nats://` address of an environment, parsed without loading the NATS
 * client (the command line checks its arguments before connecting anywhere).
 */
/** Environment and stream ids are single subject tokens: no dots, wildcards or spaces. */
export declare const TOKEN: RegExp;
/** Whether a name can be an environment or stream id (one subject token). */
export declare const isToken: (name: string) => boolean;
/** What is wrong with an environment id, if anything. */
export declare const environmentIdProblem: (id: string) => string | undefined;
/** `nats://HOST:PORT[,nats://HOST:PORT...]/ENVIRONMENT_ID` (or `nats://H1:P1,H2:P2/ID`) as servers and an id. */
export declare const parseUrl: (url: string) => {
    readonly servers: ReadonlyArray<string>;
    readonly environmentId: string;
} | string;
//# sourceMappingURL=natsUrl.d.ts.map