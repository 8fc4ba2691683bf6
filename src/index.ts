/**
 * effect-exec-server: a process supervisor speaking the exec-server JSON-RPC
 * protocol, as Effect modules and Layers.
 *
 * Every export here is a promise kept across versions: the protocol, the
 * services and Layers an application composes (spawners, output buffers,
 * sandbox, session store, config, listeners, the server), the client and
 * the test kit. The JSON-RPC connection layer (`jsonrpc/`), the handlers,
 * the process actor and table stay inside. Narrower entries:
 * `effect-exec-server/client`, `/protocol` and `/testing`.
 */
export * from "./protocol/index.js"

// Services and Layers the server is made of, for applications that compose their own.
export * from "./process/ChildProcess.js"
export * as NodePipeSpawner from "./process/NodePipeSpawner.js"
export * as NodePtySpawner from "./process/NodePtySpawner.js"
export * as NodeSpawner from "./process/NodeSpawner.js"
export * as OutputBuffers from "./process/OutputBuffers.js"
export * as ProcessReaper from "./process/ProcessReaper.js"
export * as Sandbox from "./sandbox/Sandbox.js"
export * as FsBackend from "./fs/FsBackend.js"
export * as SandboxedFs from "./fs/SandboxedFs.js"
export * as HttpRequests from "./http/HttpRequests.js"
export * as ResourceLimits from "./limits/ResourceLimits.js"
export * as SessionStore from "./server/SessionStore.js"
export * as ServerConfig from "./server/ServerConfig.js"

// The server and its listeners (the contract, stdio, WebSocket).
export * as ExecServer from "./server/ExecServer.js"
export * as Surface from "./server/Surface.js"
export * as Transport from "./jsonrpc/Transport.js"
export * as StdioTransport from "./listeners/StdioTransport.js"
export * as WebSocketTransport from "./listeners/WebSocketTransport.js"
export * as NatsServerTransport from "./remote/NatsServerTransport.js"

// The client.
export * from "./client/ClientError.js"
export * as ClientTransport from "./client/ClientTransport.js"
export * as ExecServerClient from "./client/ExecServerClient.js"
export * as PromiseClient from "./client/PromiseClient.js"
export * as NatsConnector from "./remote/NatsConnector.js"

// Testing with mocked Layers.
export * as InProcessClient from "./testing/InProcessClient.js"
export * as TestConnection from "./testing/TestConnection.js"
export * as TestServer from "./testing/TestServer.js"
export * as TestSpawner from "./testing/TestSpawner.js"
