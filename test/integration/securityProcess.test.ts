/**
 * The WebSocket listener's security flags where only the binary shows
 * them: bad values refused at start, with exit code 2 and a line naming the
 * flag, and the command-line client (the binary) reading a signed token
 * from a file, against a server in process. What the listener lets in and
 * refuses is security.test.ts's, on servers in process.
 */
import { execFile } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { useInProcessWebSocketServers } from "../support/InProcessServer.js"
import { runToExit, serverArgs } from "../support/StdioServer.js"
import { claims, ISSUER, jwt, now, useAuthFiles } from "../support/wsAuth.js"

const { dir, tokenFile, secretFile, jwtFlags: JWT_FLAGS } = useAuthFiles()

const start = useInProcessWebSocketServers()

/** Runs the command-line client to its end. */
const runCli = (args: ReadonlyArray<string>): Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, serverArgs(...args), { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number((error as { code?: unknown }).code), stdout, stderr }))
  })

describe("Host header (DNS rebinding)", () => {
  it("refuses malformed --allow-host values with exit code 2", () => {
    for (const bad of ["http://exec.example", "exec example", "::1", "exec.example:99999", "exec.example:"]) {
      const refused = runToExit(["--listen", "ws://127.0.0.1:0", "--allow-host", bad])
      expect(refused.status, bad).toBe(2)
      expect(refused.stderr, bad).toContain("--allow-host: expected NAME or NAME:PORT")
    }
  })
})

describe("WebSocket authentication", () => {
  it("refuses a non-loopback address without a token (unless --insecure-no-auth) with exit code 2", () => {
    const refused = runToExit(["--listen", "ws://0.0.0.0:0"])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain("--ws-token-file")
  })

  it("refuses bad token settings with exit code 2", () => {
    expect(runToExit(["--listen", "ws://127.0.0.1:0", "--ws-token-sha256", "abc"]).status).toBe(2)
    const empty = Path.join(dir, "empty")
    writeFileSync(empty, " \n")
    expect(runToExit(["--listen", "ws://127.0.0.1:0", "--ws-token-file", empty]).status).toBe(2)
  })
})

describe("signed bearer tokens (--ws-auth signed-bearer-token)", () => {
  it("the command-line client reads a valid token from a token file, and says an expired one is refused", async () => {
    const server = await start(JWT_FLAGS)
    const file = Path.join(dir, "jwt")
    writeFileSync(file, `\n  ${await jwt(claims())} \n\n`)
    const cli = await runCli(["exec", server.url, "--token-file", file, "--no-tty", "--", "sh", "-c", "echo from-cli; exit 3"])
    expect([cli.code, cli.stdout]).toEqual([3, "from-cli\n"])
    const expired = Path.join(dir, "expired")
    writeFileSync(expired, await jwt(claims({ exp: now() - 120 })))
    const refusedCli = await runCli(["ps", server.url, "--token-file", expired])
    expect(refusedCli.code).toBe(1)
    expect(refusedCli.stderr).toBe("exec-server: " + server.url + " refused the connection: HTTP 401 (a missing, wrong or expired token)\n")
  })

  // Sixteen starts of the binary: 15 s on 2 cores with the suite and two busy loops beside it.
  it("refuses inconsistent or unusable settings at start with exit code 2", () => {
    const short = Path.join(dir, "short-secret")
    writeFileSync(short, "only 31 bytes of secret, sorry\n")
    const blank = Path.join(dir, "blank-secret")
    writeFileSync(blank, " \n")
    const ws = ["--listen", "ws://127.0.0.1:0"]
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [[...ws, "--ws-auth", "signed-bearer-token"], "--ws-auth signed-bearer-token needs --ws-shared-secret-file"],
      [[...ws, ...JWT_FLAGS, "--ws-token-file", tokenFile], "are for --ws-auth capability-token"],
      [[...ws, "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile, "--ws-token-sha256", "0".repeat(64)], "are for --ws-auth capability-token"],
      [[...ws, "--ws-shared-secret-file", secretFile], "need --ws-auth signed-bearer-token"],
      [[...ws, "--ws-token-file", tokenFile, "--ws-issuer", ISSUER], "need --ws-auth signed-bearer-token"],
      [[...ws, "--ws-auth", "capability-token", "--ws-token-file", tokenFile, "--ws-max-clock-skew-seconds", "5"], "need --ws-auth signed-bearer-token"],
      [[...ws, "--ws-auth", "capability-token"], "--ws-auth capability-token needs --ws-token-file or --ws-token-sha256"],
      [[...ws, "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", short], "must be at least 32 bytes"],
      [[...ws, "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", blank], "holds no secret"],
      [[...ws, "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", Path.join(dir, "no-such-secret")], "no-such-secret"],
      [[...ws, ...JWT_FLAGS, "--ws-max-clock-skew-seconds", "-1"], "ws-max-clock-skew-seconds"],
      [[...ws, ...JWT_FLAGS, "--ws-max-clock-skew-seconds", "soon"], "--ws-max-clock-skew-seconds: 'soon' is not a whole number"],
      [[...ws, "--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile, "--ws-issuer", ""], "--ws-issuer must not be empty"],
      [[...ws, "--ws-auth", "bearer"], "expected 'capability-token' or 'signed-bearer-token'"],
      [["--listen", "stdio://", ...JWT_FLAGS], "need a WebSocket listener"],
      [["--ws-token-file", tokenFile], "need a WebSocket listener"]
    ]
    for (const [args, message] of cases) {
      const refused = runToExit(args)
      expect(refused.status, args.join(" ")).toBe(2)
      expect(refused.stderr, args.join(" ")).toContain(message)
    }
  }, 120_000)
})

describe("limits", () => {
  it("refuses an upgrade timeout below 1 ms with exit code 2", () => {
    const refused = runToExit(["--listen", "ws://127.0.0.1:0", "--upgrade-timeout-ms", "0"])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain("upgrade-timeout-ms")
  })

  it("refuses negative and meaningless numeric flags at start, naming the flag", () => {
    for (const [flag, value] of [["--grace-ms", "-5"], ["--max-processes", "0"], ["--max-connections", "0"], ["--retention-ms", "-1"]]) {
      const refused = runToExit([flag!, value!])
      expect(refused.status, flag).toBe(2)
      expect(refused.stderr).toContain(flag!.slice(2))
    }
    for (const args of [["--grace-ms", "soon"], ["--listen", "stdio://", "--max-processes=1.5"]]) {
      const notANumber = runToExit(args)
      expect(notANumber.status).toBe(2)
      const [flag, value] = args.at(-1)!.includes("=") ? args.at(-1)!.split("=") : args
      expect(notANumber.stderr).toContain(`${flag}: '${value}' is not a whole number`)
    }
  })
})
