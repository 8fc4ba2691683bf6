/**
 * effect-exec-server: a process supervisor speaking the exec-server JSON-RPC
 * protocol, as Effect modules and Layers.
 */
export * from "./protocol/index.js"

export * from "./process/ChildProcess.js"
export * as NodePipeSpawner from "./process/NodePipeSpawner.js"
export * as NodePtySpawner from "./process/NodePtySpawner.js"
export * as OutputBuffer from "./process/OutputBuffer.js"
export * as ProcessActor from "./process/ProcessActor.js"
export * as ProcessTable from "./process/ProcessTable.js"

export * as Sandbox from "./sandbox/Sandbox.js"
export * as SandboxRules from "./sandbox/policy.js"
export * as SandboxedFs from "./fs/SandboxedFs.js"

export * as Connection from "./rpc/Connection.js"
export * as Dispatcher from "./rpc/Dispatcher.js"
export * as JsonRpc from "./rpc/JsonRpc.js"
export * as JsonRpcServer from "./rpc/JsonRpcServer.js"
export * as Outbound from "./rpc/Outbound.js"
export * as Transport from "./rpc/Transport.js"

export * as ClientSession from "./server/ClientSession.js"
export * as ExecServer from "./server/ExecServer.js"
export * as Handlers from "./server/Handlers.js"
export * as ServerConfig from "./server/ServerConfig.js"

export * as LineFramer from "./transport/LineFramer.js"
export * as StdioTransport from "./transport/StdioTransport.js"
export * as WebSocketTransport from "./transport/WebSocketTransport.js"

export * from "./client/ClientError.js"
export * as ClientTransport from "./client/ClientTransport.js"
export * as ExecServerClient from "./client/ExecServerClient.js"

export * as InProcessClient from "./testing/InProcessClient.js"
export * as TestConnection from "./testing/TestConnection.js"
export * as TestSpawner from "./testing/TestSpawner.js"
export * as TestServer from "./testing/TestServer.js"
export * as SessionStore from "./server/SessionStore.js"
