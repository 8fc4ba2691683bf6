/** What can go wrong between the server and a holder (Holder.ts re-exports them). */
import * as Data from "effect/Data"
import type * as Frames from "./holderFrames.js"

/** The holder could not be run here (not built, or not executable). */
export class HolderUnavailable extends Data.TaggedError("effect-exec-server/HolderUnavailable")<{
  readonly message: string
}> {}

/** Where a start failed: the child's cwd, its program, a script's interpreter, a cgroup, the terminal, the socket, the spawn itself, or the holder's arguments. */
export type SpawnStage = "cwd" | "program" | "interpreter" | "cgroup" | "terminal" | "socket" | "spawn" | "usage"

/**
 * The holder could not start the child (nothing runs, the socket is gone).
 * `exitStatus` is what a shell would have said: 127 for a missing program
 * or interpreter, 126 for anything else.
 */
export class HolderSpawnFailed extends Data.TaggedError("effect-exec-server/HolderSpawnFailed")<{
  readonly message: string
  readonly stage: SpawnStage
  readonly errno: string
  readonly path: string
  readonly exitStatus: 126 | 127
}> {}

/** No holder answered on the socket (gone, or not a holder's). */
export class HolderConnectFailed extends Data.TaggedError("effect-exec-server/HolderConnectFailed")<{
  readonly message: string
  readonly socketPath: string
}> {}

/** The holder refused this connection: another server is attached, another took over, a version or frame it does not accept. */
export class HolderRefused extends Data.TaggedError("effect-exec-server/HolderRefused")<{
  readonly message: string
  readonly reason: Frames.RefusalReason
}> {}

/** The connection ended before what was asked of it (the holder exited, or this end detached). */
export class HolderDisconnected extends Data.TaggedError("effect-exec-server/HolderDisconnected")<{
  readonly message: string
}> {}

export type HolderError = HolderUnavailable | HolderSpawnFailed | HolderConnectFailed | HolderRefused | HolderDisconnected
