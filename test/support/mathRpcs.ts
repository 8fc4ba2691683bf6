/**
 * An application's own methods, declared once for both ends: the server
 * serves them (`Surface.ProtocolExtension`), the typed and the Promise
 * client call them (the option `rpcs`). It imports the client's entry only,
 * as an application's shared module would: no server code comes with it.
 */
import { Rpc, RpcGroup } from "effect/rpc"
import { Schema } from "effect"
import { ExecServerError, RequiresHandshake } from "../../src/client/index.js"

/** A failure the application declares, without a JSON-RPC code of its own. */
export class DivisionByZero extends Schema.TaggedError<DivisionByZero>()("math/DivisionByZero", {
  message: Schema.String,
  dividend: Schema.Number
}) {}

/** One with a code of its own, which the wire answer carries. */
export class TooLarge extends Schema.TaggedError<TooLarge>()("math/TooLarge", {
  message: Schema.String,
  code: Schema.Literal(-31999),
  limit: Schema.Number
}) {}

export class MathRpcs extends RpcGroup.make(
  Rpc.make("math/add", {
    payload: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
    success: Schema.Struct({ sum: Schema.Number }),
    error: Schema.Union([TooLarge, ExecServerError])
  }),
  Rpc.make("math/divide", {
    payload: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
    success: Schema.Struct({ quotient: Schema.Number }),
    error: DivisionByZero
  })
).middleware(RequiresHandshake) {}
