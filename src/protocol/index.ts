/** The exec-server.v0 protocol: schemas, RPC definitions and typed errors. */
export * from "./errors.js"
export * from "./rpcs.js"
export * from "./sandbox.js"
export * from "./schema.js"
export * from "./console.js"
