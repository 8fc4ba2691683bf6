/** The line before the generated table. */
export declare const BEGIN = "<!-- flags:begin (generated from src/cli/commandFlags.ts by npm run docs:flags; edit there) -->";
/** The line after it. */
export declare const END = "<!-- flags:end -->";
/** The line before the gateway command's table. */
export declare const GATEWAY_BEGIN = "<!-- gateway-flags:begin (generated from src/cli/commandFlags.ts by npm run docs:flags; edit there) -->";
/** The line after it. */
export declare const GATEWAY_END = "<!-- gateway-flags:end -->";
/** The server command's table, markers included, as docs/OPERATIONS.md holds it. */
export declare const flagTable: () => string;
/** The gateway command's table, markers included, as docs/OPERATIONS.md holds it. */
export declare const gatewayFlagTable: () => string;
/** `document` with both tables replaced by the generated ones; undefined when it lacks either's markers. */
export declare const withFlagTable: (document: string) => string | undefined;
/** The server's table `document` holds now, markers included; undefined when it has no markers. */
export declare const currentFlagTable: (document: string) => string | undefined;
/** The gateway's table `document` holds now, markers included; undefined when it has no markers. */
export declare const currentGatewayFlagTable: (document: string) => string | undefined;
//# sourceMappingURL=flagTable.d.ts.map