/**
 * The server's resource limits on this host: cgroups as `probe` finds
 * them at start (reads only), their groups made as the first session needs
 * them; where neither version can limit, sessions still contained where a
 * v2 hierarchy without controllers can be used (`detect`), or unavailable
 * with the reason; the binary's start line says which (`report`).
 */
import { randomBytes } from "node:crypto"
import * as Path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { logAnnotated } from "../observability/logLine.js"
import { nodeCgroupFiles } from "./cgroupFiles.js"
import * as CgroupLimits from "./cgroupLimits.js"
import { type Detected, detect, type DetectInput, detectVersion, probe, type Probed } from "./detect.js"
import type { CgroupDriver } from "./driver.js"
import { JOIN_HELPER, launcher, PERL } from "./launcher.js"
import { commandLineOf, ownCgroups, ownMounts, processIds } from "../procfs/processes.js"
import { anyOperatorLimit, type OperatorLimits, ResourceLimits, type ResourceLimitsShape, unavailable } from "./ResourceLimits.js"

/** What detection reads of this process, and the name of the server's root groups (`exec-server.PID.TAG`). */
const detectInput = (): DetectInput => ({
  files: nodeCgroupFiles,
  procSelfCgroup: ownCgroups(),
  mounts: ownMounts(),
  pid: process.pid,
  rootName: `exec-server.${process.pid}.${randomBytes(4).toString("hex")}`,
  heldRoots
})

/** The holder's executable's name (native/holder.c; it runs kept processes, `--keep-processes`). */
const HOLDER_NAME = "exec-server-holder"

/**
 * The groups that holders' command lines name (each argv a process's): a
 * group named between two slashes of an argument of a holder (its child's
 * `--cgroup` files, below the gone server's root group) keeps its
 * processes there, and they stay until the holder ends them.
 */
export const groupsNamedByHolders = (commandLines: Iterable<ReadonlyArray<string>>): Set<string> => {
  const named = new Set<string>()
  for (const args of commandLines) {
    if (Path.basename(args[0] ?? "") !== HOLDER_NAME) continue
    // The names with a slash on both sides: every `/NAME/` the argument holds.
    for (const arg of args) for (const name of arg.split("/").slice(1, -1)) named.add(name)
  }
  return named
}

/** The groups the running holders name, from every process's command line: one pass over /proc. */
const heldRoots = (): ReadonlySet<string> =>
  groupsNamedByHolders(processIds().flatMap((pid) => {
    const line = commandLineOf(pid)
    return line === undefined ? [] : [line.split("\0")]
  }))

/** The limits on this host, with the operator's. */
export const make = (operator: OperatorLimits, sessionCgroups = true): Effect.Effect<ResourceLimitsShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const unusable = process.platform !== "linux"
      ? "cgroups are Linux's"
      : launcher() === undefined
      ? `neither ${JOIN_HELPER} nor ${PERL}, which place children in their cgroups, is there`
      : undefined
    if (unusable !== undefined) return yield* fromDetected({ _tag: "None", reason: unusable }, operator, sessionCgroups)
    // Reads only: the groups are made as the first session needs them (lazyDriver).
    const probed = yield* Effect.sync((): Probed => {
      try {
        return probe(detectInput())
      } catch (error) {
        return { _tag: "None", reason: error instanceof Error ? error.message : String(error) }
      }
    })
    if (probed._tag === "Likely") {
      yield* logAnnotated("Debug", "resource limits", { cgroup: probed.version })
      return yield* CgroupLimits.make(lazyDriver(probed.version, probed.notes), operator, sessionCgroups)
    }
    // Neither version can limit: the whole detection, which makes a group to see whether v2 can still contain sessions.
    const found = yield* Effect.sync((): Detected => {
      try {
        return detect(detectInput())
      } catch (error) {
        return { _tag: "None", reason: error instanceof Error ? error.message : String(error) }
      }
    })
    return yield* fromDetected(found, operator, sessionCgroups)
  })

/**
 * The limits of what `detect` found (this host's cgroups, or those of the
 * files and /proc texts it was given): the service on its driver, limits
 * refused on a driver for containment only, or none.
 */
export const fromDetected = (
  found: Detected,
  operator: OperatorLimits,
  sessionCgroups = true
): Effect.Effect<ResourceLimitsShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Said at debug level here: a composition's own logger may write to stdout; the binary says it
    // on its start line (`report`).
    if (found._tag === "None") {
      yield* logAnnotated("Debug", "resource limits unavailable", { reason: found.reason })
      return unavailable(found.reason, operator)
    }
    if (found._tag === "Containment") {
      yield* logAnnotated("Debug", "resource limits unavailable", { reason: found.reason, sessionsContainedBy: found.driver.version })
      return yield* CgroupLimits.make(found.driver, operator, sessionCgroups, found.reason)
    }
    yield* logAnnotated("Debug", "resource limits", { cgroup: found.driver.version })
    return yield* CgroupLimits.make(found.driver, operator, sessionCgroups)
  })

/**
 * The driver of `version`, its root groups made (and stale ones removed) as
 * its first session's group is: a server that runs nothing makes none. Where
 * they cannot be made after all, each session's group fails with the reason
 * (a limited start is refused; one that asks for nothing runs without).
 */
const lazyDriver = (version: "v1" | "v2", notes: ReadonlyArray<string>): CgroupDriver => {
  let made: CgroupDriver | { readonly reason: string } | undefined
  const driver = (): CgroupDriver => {
    made ??= (() => {
      const found = detectVersion(detectInput(), version)
      return found._tag === "Driver" ? found.driver : { reason: found.reason }
    })()
    if ("reason" in made) throw new Error(`cgroups cannot be used here: ${made.reason}`)
    return made
  }
  return {
    version,
    notes,
    makeGroup: (name, resources) => driver().makeGroup(name, resources),
    memoryBytes: () => made === undefined || "reason" in made ? undefined : made.memoryBytes(),
    close: Effect.suspend(() => made === undefined || "reason" in made ? Effect.void : made.close)
  }
}

/** The limits on this host, with the operator's. */
export const layer = (operator: OperatorLimits, sessionCgroups = true): Layer.Layer<never> =>
  Layer.effect(ResourceLimits, make(operator, sessionCgroups))

/**
 * One line of the server's start: the cgroups in use, which processes are in
 * their session's, and how terminals join them (the launcher), or why limits are unavailable (an error when the operator set
 * limits: every start is then refused, see limitsOfStart).
 */
export const report: Effect.Effect<void> = Effect.gen(function*() {
  const limits = yield* ResourceLimits
  if (limits.availability._tag === "Unavailable") {
    const operatorAsks = anyOperatorLimit(limits.operator)
    const contained = limits.availability.sessionsContainedBy
    return yield* logAnnotated(operatorAsks ? "Error" : "Info", "resource limits unavailable", {
      reason: limits.availability.reason,
      // Whether a session's processes are ended with it all the same, and when.
      sessions: contained === undefined
        ? "not contained: a process that leaves its process group (setsid, a daemon) outlives its session"
        : `contained by cgroup ${contained} groups without controllers${limits.sessionCgroups ? "" : " (off: --no-session-cgroups)"}`
    })
  }
  yield* logAnnotated("Info", "resource limits", {
    cgroup: limits.availability.version,
    sessionCgroups: limits.sessionCgroups ? "every process" : "limited processes only (--no-session-cgroups)",
    launcher: launcher()?._tag === "Helper" ? "native" : "perl",
    ...(limits.availability.notes.length === 0 ? {} : { notes: limits.availability.notes.join("; ") })
  })
})
