/**
 * Placeholder directories: a protected path that does not exist yet (a
 * project without `.git`) must not be creatable from inside the sandbox, so
 * an empty read-only file system is mounted there, which needs a directory
 * to mount on. The server creates it, shares it among the sandboxes that
 * need it (removing it while one of them runs would detach that sandbox's
 * mount), removes it when the last one ends, and has the reaper remove it
 * if the server dies first. Only directories this server created are ever
 * removed, and only while empty.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import { internalErrorFrom, InvalidParams, type InternalError } from "../protocol/errors.js"

/** Keeps placeholders from outliving a server that dies hard (the process reaper provides it). */
export class PlaceholderGuard extends Context.Service<PlaceholderGuard, {
  readonly register: (path: string) => Effect.Effect<void>
  readonly unregister: (path: string) => Effect.Effect<void>
}>()("effect-exec-server/PlaceholderGuard") {}

/** No guard: placeholders are removed when their sandboxes end, not if the server dies first (a check at start, a test). */
export const layerNone: Layer.Layer<PlaceholderGuard> = Layer.succeed(PlaceholderGuard, {
  register: () => Effect.void,
  unregister: () => Effect.void
})

/** The placeholders of one server, counted by the sandboxes using them. */
export interface Placeholders {
  /** Makes sure each path exists (creating it as a placeholder if needed) until the scope closes. */
  readonly hold: (paths: ReadonlyArray<string>) => Effect.Effect<void, InternalError | InvalidParams, Scope.Scope>
  /** The placeholders that exist now (for tests and diagnostics). */
  readonly current: () => ReadonlyArray<string>
}

/** Makes the placeholder registry; the guard, when there is one, learns of each placeholder. */
export const makePlaceholders: Effect.Effect<Placeholders, never, PlaceholderGuard> = Effect.gen(function*() {
  const guard = yield* PlaceholderGuard
  const users = new Map<string, number>()

  const acquire = (path: string): Effect.Effect<void, InternalError | InvalidParams> =>
    Effect.suspend((): Effect.Effect<void, InternalError | InvalidParams> => {
      const count = users.get(path)
      if (count !== undefined) {
        users.set(path, count + 1)
        return Effect.void
      }
      if (path.includes("\n")) {
        return Effect.fail(new InvalidParams({ message: `sandbox: cannot protect ${JSON.stringify(path)}: its name holds a newline` }))
      }
      try {
        Fs.mkdirSync(path, { mode: 0o555 })
      } catch (error) {
        // Created meanwhile by someone else: a real directory now, mounted over all the same.
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return Effect.void
        return Effect.fail(internalErrorFrom(error, `sandbox: cannot create the placeholder ${path}`))
      }
      users.set(path, 1)
      return guard?.register(path) ?? Effect.void
    })

  const release = (path: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      const count = users.get(path)
      if (count === undefined) return Effect.void
      if (count > 1) {
        users.set(path, count - 1)
        return Effect.void
      }
      users.delete(path)
      try {
        Fs.rmdirSync(path)
      } catch {
        // Not empty (someone outside the sandbox put something there) or gone: leave it.
      }
      return guard?.unregister(path) ?? Effect.void
    })

  return {
    hold: (paths) =>
      Effect.forEach(paths, (path) => Effect.acquireRelease(acquire(path), () => release(path)), { discard: true }),
    current: () => [...users.keys()]
  }
})
