/**
 * The web console as a service of the server (`--console`): the
 * credentials its HTTP side checks and `console/createLink` issues. Absent,
 * the server has no console and `console/createLink` says so.
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { ConsoleAuth } from "./ConsoleAuth.js"

/** The console's state. */
export class WebConsole extends Context.Tag("effect-exec-server/WebConsole")<WebConsole, {
  readonly auth: ConsoleAuth
}>() {}

/** A console with fresh credentials (none survive the server). */
export const layer: Layer.Layer<WebConsole> = Layer.sync(WebConsole, () => ({ auth: new ConsoleAuth() }))
