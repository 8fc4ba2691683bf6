/**
 * `exec-server gateway`: a WebSocket listener whose `/env/ID` endpoints are
 * the environments of remote executors (src/gateway/Gateway.ts), with the
 * server's listener flags and the executor's NATS flags.
 */
import type { CommandGuide } from "./help.js"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { gatewayFlags } from "./commandFlags.js"
import * as Cli from "./commandSpec.js"
import * as NatsFlags from "./natsFlagValues.js"
import { withLogFormat, writeStderr } from "./stderrLog.js"
import * as WebSocketListen from "./webSocketListen.js"
import { ListenUrlError } from "./webSocketListen.js"
import { metricsOnDemand } from "../observability/metricsOnDemand.js"
import * as ServerConfig from "../server/ServerConfig.js"

/** The gateway subcommand. */
export const gatewayCommand = Cli.make(
  "gateway",
  "Listen like a WebSocket server and forward each connection to ws://IP:PORT/env/ID to environment ID's executor through NATS",
  gatewayFlags,
  (flags) =>
    Effect.gen(function*() {
      const fail = (message: string) => Effect.fail(new ListenUrlError({ message }))
      if (Option.isNone(flags.listen)) return yield* fail("gateway needs --listen ws://IP:PORT")
      if (Option.isNone(flags.connect)) return yield* fail("gateway needs --connect nats://HOST:PORT")
      const servers = NatsFlags.serversOf(flags.connect.value)
      if (typeof servers === "string") return yield* fail(servers)
      const auth = NatsFlags.natsAuthOf(flags)
      if (typeof auth === "string") return yield* fail(auth)
      const listen = yield* WebSocketListen.optionsOf(flags.listen.value, flags)
      // Loaded on demand, as the server loads its WebSocket transport.
      const Gateway = yield* Effect.promise(() => import("../gateway/Gateway.js"))
      const metrics = yield* metricsOnDemand({ name: "effect-exec-server-gateway", version: ServerConfig.version })
      const gateway = yield* Gateway.make({ listen: { ...listen, metrics }, nats: { servers, ...auth } })
      writeStderr(`exec-server gateway listening on ${gateway.url}\n`)
      WebSocketListen.printBoundUrl(gateway.url)
      return yield* Effect.never
    }).pipe(Effect.scoped, withLogFormat(flags.logFormat))
)

/** The gateway's usage line and examples, for its `--help`. */
export const gatewayGuide: CommandGuide = {
  summary: "Serve ws://IP:PORT/env/ID from executors through NATS",
  usage: "exec-server gateway --listen ws://IP:PORT --connect nats://HOST:PORT[,...] [FLAGS]",
  examples: [
    "exec-server gateway --listen ws://127.0.0.1:8765 --connect nats://127.0.0.1:4222",
    "CODEX_EXEC_SERVER_URL=ws://127.0.0.1:8765/env/e1 codex   # Codex on the executor of environment e1"
  ]
}
