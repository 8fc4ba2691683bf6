/**
 * `effect-exec-server/testing`: scripted spawners, the server's services for
 * tests, an in-memory client connection and an in-process typed client.
 */
export * as InProcessClient from "./InProcessClient.js";
export * as TestConnection from "./TestConnection.js";
export * as TestServer from "./TestServer.js";
export * as TestSpawner from "./TestSpawner.js";
//# sourceMappingURL=index.js.map