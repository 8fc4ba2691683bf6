/**
 * What the client library must do over every way of connecting (in
 * process, over a WebSocket, over the stdio of a server it spawns): one
 * `describe` of cases run on the given client layer. client.test.ts runs it
 * on servers in process, clientProcess.test.ts over the binary it spawns.
 */
import { describe, expect, it } from "@effect/vitest"
import { expectTypeOf } from "vitest"
import { Effect, Layer, Stream } from "effect"
import * as ExecServerClient from "../../src/client/ExecServerClient.js"

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString()
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

/** The behaviours every way of connecting must show. */
export const clientContract = (name: string, layer: () => Layer.Layer<ExecServerClient.ExecServerClient, unknown>) =>
  describe(`client ${name}`, () => {
    it.live("exec runs a pipe command and collects exit code, stdout and stderr", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        expect(client.server.protocolVersion).toBe("exec-server.v0")
        const result = yield* client.exec(["bash", "-c", "echo out; echo err >&2; exit 4"], { env, cwd: "/tmp" })
        expect(result.exitCode).toBe(4)
        expect(text(result.stdout)).toBe("out\n")
        expect(text(result.stderr)).toBe("err\n")
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("exec with encoding utf8 gives the output as text, a character split between writes whole", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const argv = ["sh", "-c", "printf 'caf\\303'; sleep 0.05; printf '\\251\\n'; printf 'bad \\377' >&2"]
        const result = yield* client.exec(argv, { env, cwd: "/tmp", encoding: "utf8" })
        expectTypeOf(result.stdout).toEqualTypeOf<string>()
        expect(result).toMatchObject({ exitCode: 0, stdout: "café\n", stderr: "bad \uFFFD" })
        const bytes = yield* client.exec(argv, { env, cwd: "/tmp" })
        expectTypeOf(bytes.stdout).toEqualTypeOf<Uint8Array>()
        expect(bytes.stdout).toBeInstanceOf(Uint8Array)
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("drives a PTY through its event stream", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const proc = yield* client.start({
          argv: ["bash", "-c", "printf 'ready\\n'; read -r line; printf 'echo:%s\\n' \"$line\""],
          tty: true,
          env,
          cwd: "/tmp"
        })
        const seen: Array<string> = []
        const all = yield* proc.events.pipe(
          Stream.tap((event) =>
            event._tag === "Output"
              ? Effect.gen(function*() {
                seen.push(text(event.bytes))
                if (seen.join("").includes("ready") && !seen.join("").includes("hello")) {
                  yield* proc.write("hello\n")
                }
              })
              : Effect.void
          ),
          Stream.runCollect
        )
        expect(seen.join("")).toContain("echo:hello")
        expect(all.map((event) => event.seq)).toEqual(all.map((_, i) => i + 1))
        expect(all.at(-1)?._tag).toBe("Closed")
        expect(yield* client.wait(proc.processId)).toEqual({ exitCode: 0, signal: null, sandboxDenied: false })
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("communicate feeds stdin and collects the output", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const proc = yield* client.start({ argv: ["cat"], pipeStdin: true, env, cwd: "/tmp" })
        const result = yield* client.communicate(proc.processId, "through cat")
        expect(text(result.stdout)).toBe("through cat")
        expect(result.exitCode).toBe(0)
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("notifications(method) streams each of the server's notifications of the method from when it runs, decoded and typed", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        // A pull listens from the moment it is made.
        const exited = yield* Stream.toPull(client.notifications("process/exited"))
        const closed = yield* Stream.toPull(client.notifications("process/closed"))
        const proc = yield* client.start({ argv: ["sh", "-c", "echo hi; exit 7"], env, cwd: "/tmp" })
        const [exit] = yield* exited
        expectTypeOf(exit!.signal).toEqualTypeOf<string | null>()
        expect(exit).toMatchObject({ processId: proc.processId, exitCode: 7, signal: null, sandboxDenied: false })
        expect(yield* closed).toEqual([{ processId: proc.processId, seq: exit!.seq + 1 }])
        // The handle heard them too.
        expect(yield* proc.exited).toEqual({ exitCode: 7, signal: null, sandboxDenied: false })
      }).pipe(Effect.scoped, Effect.provide(layer())))

    it.live("reports server errors as the protocol's tagged errors", () =>
      Effect.gen(function*() {
        const client = yield* ExecServerClient.ExecServerClient
        const failure = yield* client.start({ argv: ["no-such-binary-xyz"], env, cwd: "/tmp" }).pipe(Effect.flip)
        expect(failure._tag).toBe("ExecServer/SpawnNotFound")
        expect(failure._tag === "ExecServer/SpawnNotFound" && [failure.code, failure.errno, failure.missing, failure.path])
          .toEqual([-32603, "ENOENT", "program", "no-such-binary-xyz"])
        const where = yield* client.start({ argv: ["true"], env, cwd: "/no/such/dir" }).pipe(
          Effect.as("started"),
          Effect.catchTag("ExecServer/SpawnNotFound", (error) => Effect.succeed(`${error.missing} ${error.path}`))
        )
        expect(where).toBe("cwd /no/such/dir")
      }).pipe(Effect.scoped, Effect.provide(layer())))
  })
