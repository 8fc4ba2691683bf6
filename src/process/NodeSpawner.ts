/**
 * The server's spawner on Node: node-pty for terminals, and for pipes the
 * native addon's posix_spawn (or child_process where it did not build).
 */
import * as Layer from "effect/Layer"
import { byTerminal, Spawner } from "./ChildProcess.js"
import * as NodePipeSpawner from "./NodePipeSpawner.js"
import * as NodePtySpawner from "./NodePtySpawner.js"

/** Terminals on node-pty, pipes as NodePipeSpawner starts them (settled when called). */
export const make = (): Spawner["Service"] => byTerminal({ pty: NodePtySpawner.make(), pipe: NodePipeSpawner.make() })

/** Terminals on node-pty, pipes as NodePipeSpawner starts them (settled when the layer is built). */
export const layer: Layer.Layer<Spawner> = Layer.sync(Spawner, make)
