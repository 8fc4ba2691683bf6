/**
 * `effect-exec-server/client`: the typed client and its transports, with the
 * protocol's schemas. Nothing of the server (no node-pty, no WebSocket
 * server) is loaded through this entry.
 */
export * from "../protocol/index.js";
export * from "./ClientError.js";
export * as ClientTransport from "./ClientTransport.js";
export * as ExecServerClient from "./ExecServerClient.js";
export * as PromiseClient from "./PromiseClient.js";
//# sourceMappingURL=index.d.ts.map