/**
 * Every flag of the `exec-server` command, declared once: the server's
 * (server/ServerFlags.ts), the WebSocket listener's and the command's own.
 * The command line reads these as its tables (cli/commandSpec.ts), and the flag table of docs/OPERATIONS.md is
 * generated from them (`npm run docs:flags`).
 */
import { NATIVE_ENV } from "../native/addon.js"
import {
  configFlags,
  integer,
  type OptionalIntegerFlag,
  optionalChoice,
  optionalFile,
  optionalText,
  repeatedText,
  sandboxFlags,
  limitFlags,
  keepFlags,
  switchFlag,
  choice
} from "../server/ServerFlags.js"
import {
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_PENDING_UPGRADES,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_UPGRADE_TIMEOUT_MS
} from "../listeners/listenUrl.js"

export { configFlags, sandboxFlags }
export type { Flag } from "../server/ServerFlags.js"

/** The flags of the WebSocket listener and its clients' authentication. */
export const webSocketFlags = {
  maxConnections: integer("max-connections", {
    default: 64,
    minimum: 1,
    help: "most upgraded WebSocket connections at once (beyond: HTTP 503)"
  }),
  maxConnectionsPerClient: {
    _tag: "OptionalInteger",
    name: "max-connections-per-client",
    metavar: "N",
    impliedDefault: 48,
    documentedDefault: "three quarters of `--max-connections`",
    minimum: 1,
    help: "most of those connections one client holds at once: a signed token's subject (`sub`), else a peer address (beyond: HTTP 503 with the reason)"
  } satisfies OptionalIntegerFlag,
  maxPendingUpgrades: integer("max-pending-upgrades", {
    default: DEFAULT_MAX_PENDING_UPGRADES,
    minimum: 1,
    help: "most connections not upgraded yet (idle, sending their request, or having their token checked) kept at once; when one more arrives the oldest is closed"
  }),
  upgradeTimeoutMs: integer("upgrade-timeout-ms", {
    default: DEFAULT_UPGRADE_TIMEOUT_MS,
    minimum: 1,
    help: "how long a connection may take to complete its WebSocket upgrade before it is closed, in ms"
  }),
  pingIntervalMs: integer("ping-interval-ms", {
    default: DEFAULT_PING_INTERVAL_MS,
    minimum: 1,
    help: "WebSocket keep-alive ping interval, in ms; a peer that misses a ping is disconnected"
  }),
  wsAuth: optionalChoice("ws-auth", {
    choices: ["capability-token", "signed-bearer-token"],
    metavar: "MODE",
    help: "how clients authenticate, on a WebSocket listener and on the NATS streams of `--connect` alike: `capability-token` (the token of `--ws-token-file` or `--ws-token-sha256`; implied by them) or `signed-bearer-token` (HS256 JWTs signed with `--ws-shared-secret-file`)"
  }),
  wsTokenFile: optionalFile("ws-token-file", {
    metavar: "PATH",
    help: "file holding the capability token clients must send as their bearer token, WebSocket and NATS alike (whitespace trimmed)"
  }),
  wsTokenSha256: optionalText("ws-token-sha256", {
    metavar: "HEX",
    help: "the capability token's SHA-256 (64 hex digits) instead of the token itself"
  }),
  wsSharedSecretFile: optionalFile("ws-shared-secret-file", {
    metavar: "PATH",
    help: "with `signed-bearer-token`: file holding the secret that signs the JWTs (at least 32 bytes, whitespace trimmed)"
  }),
  wsIssuer: optionalText("ws-issuer", {
    metavar: "ISS",
    documentedDefault: "any",
    help: "with `signed-bearer-token`: the `iss` a JWT must have"
  }),
  wsAudience: optionalText("ws-audience", {
    metavar: "AUD",
    documentedDefault: "any",
    help: "with `signed-bearer-token`: an `aud` a JWT must have"
  }),
  wsMaxClockSkewSeconds: {
    _tag: "OptionalInteger",
    name: "ws-max-clock-skew-seconds",
    metavar: "N",
    impliedDefault: DEFAULT_MAX_CLOCK_SKEW_SECONDS,
    minimum: 0,
    help: "with `signed-bearer-token`: how far a JWT's `exp` and `nbf` may be off this clock, in seconds"
  } satisfies OptionalIntegerFlag,
  insecureNoAuth: switchFlag("insecure-no-auth", {
    help: "allow a non-loopback `--listen` without authentication"
  }),
  allowOrigin: repeatedText("allow-origin", {
    metavar: "ORIGIN",
    help: "an `Origin` allowed to open a WebSocket (repeatable); other `Origin`s get HTTP 403"
  }),
  allowHost: repeatedText("allow-host", {
    metavar: "NAME[:PORT]",
    help: "a `Host` name (`NAME` or `NAME:PORT`, case-insensitive; without a port any port matches) the listener answers to besides `localhost` and its address (repeatable); other `Host`s get HTTP 421"
  })
} as const

/** NATS credentials and TLS: the executor's (`--connect`) and the client subcommands' (`nats://` URLs) alike. */
export const natsFlags = {
  natsCreds: optionalFile("nats-creds", {
    metavar: "PATH",
    help: "NATS credentials file (a user JWT and its nkey seed), for `--connect` and `nats://` URLs"
  }),
  natsUser: optionalText("nats-user", {
    metavar: "USER",
    help: "NATS user name; needs `--nats-password-file`"
  }),
  natsPasswordFile: optionalFile("nats-password-file", {
    metavar: "PATH",
    help: "file holding the password of `--nats-user` (whitespace trimmed)"
  }),
  natsTokenFile: optionalFile("nats-token-file", {
    metavar: "PATH",
    help: "file holding a NATS authentication token (whitespace trimmed)"
  }),
  natsTlsCa: optionalFile("nats-tls-ca", {
    metavar: "PATH",
    help: "CA certificate(s) to trust for NATS over TLS (PEM)"
  }),
  natsTlsCert: optionalFile("nats-tls-cert", {
    metavar: "PATH",
    help: "client certificate for mutual TLS with NATS (PEM); needs `--nats-tls-key`"
  }),
  natsTlsKey: optionalFile("nats-tls-key", {
    metavar: "PATH",
    help: "private key of `--nats-tls-cert` (PEM)"
  })
} as const

/** Executor mode: serving an environment through a NATS cluster. */
export const executorFlags = {
  connect: optionalText("connect", {
    metavar: "nats://HOST:PORT[,...]",
    help: "executor mode: dial out to these NATS servers and serve `--environment-id` there (clients reach it as `nats://HOST:PORT/ID`); no local listener unless `--listen` is given too"
  }),
  environmentId: optionalText("environment-id", {
    metavar: "ID",
    help: "with `--connect`: the environment this executor serves (1-64 of `A-Z a-z 0-9 _ -`); without it taken and unused (a stderr line says so), as `codex exec-server` takes it without `--remote`"
  }),
  name: optionalText("name", {
    metavar: "NAME",
    documentedDefault: "`exec-server <environment id>`",
    help: "with `--connect`: the name of the NATS connection, as the NATS monitor shows it; without it taken and unused, as `--environment-id`"
  }),
  ...natsFlags
} as const

/** How logs are written on stderr: the server's and the gateway's alike. */
const logFormat = choice("log-format", {
  choices: ["text", "json"],
  default: "text",
  help: "logs on stderr: logfmt lines, or one JSON object per line"
})

/**
 * The flags of `codex exec-server` 0.171 that a script or a Codex
 * `environments.toml` `program = ...` line may give: each with the
 * reference's meaning where this server has one (docs/OPERATIONS.md,
 * "Codex's command line"). Its cloud flags are refused by name instead
 * (cli/referenceFlags.ts).
 */
export const referenceFlags = {
  sandboxTransparentTcp: switchFlag("linux-sandbox-transparent-tcp", {
    help: "route the direct TCP of sandboxed processes whose client runs the managed network itself (`enforceManagedNetwork` without `networkProxy`, `managedNetwork.loopbackPorts`, a SOCKS5 `ALL_PROXY` on loopback) to that SOCKS5 endpoint; `networkProxy` launches ask with `networkProxy.proxy.transparentTcp` instead"
  }),
  sandboxPidNamespace: choice("linux-sandbox-pid-namespace", {
    choices: ["isolate", "inherit"],
    default: "isolate",
    metavar: "MODE",
    help: "the sandboxes' PID namespace: `isolate`, one of each sandbox's own; `inherit` (in the reference, sandboxed processes then see and may signal the host's same-uid processes) is accepted and here still isolates, with a warning"
  }),
  tcpUpstreamProxy: optionalText("tcp-upstream-proxy", {
    metavar: "HOST:PORT",
    help: "require this HTTP CONNECT proxy for raw TCP from the managed SOCKS5 proxies: a process whose `networkProxy` allows an upstream (`allowUpstreamProxy`) reaches IP addresses only through `CONNECT` to it, the others' SOCKS5 TCP is refused; names (`socks5h`) and loopback addresses are always refused, private ones unless `--proxy-private-ips-via-upstream`; a start with `enforceManagedNetwork` must then bring a `networkProxy`"
  }),
  proxyPrivateIpsViaUpstream: switchFlag("proxy-private-ips-via-upstream", {
    env: {
      name: "CODEX_EXEC_SERVER_PROXY_PRIVATE_IPS_VIA_UPSTREAM",
      value: "true",
      rule: "`true` or `false` only, else exit 2"
    },
    help: "with `--tcp-upstream-proxy`: allowed private destinations (`10.0.0.0/8`, ...) go through the upstream too instead of being refused; loopback stays refused"
  }),
  concurrentRequests: {
    _tag: "OptionalInteger",
    name: "concurrent-requests",
    metavar: "N",
    impliedDefault: 1,
    minimum: 1,
    documentedDefault: "unbounded",
    help: "how many requests of a connection the reference processes at once; accepted and changes nothing: here a connection's requests always run concurrently (those about one process or handle in order), bounded by `--max-inflight-requests`"
  } satisfies OptionalIntegerFlag,
  config: repeatedText("config", {
    alias: "c",
    metavar: "KEY=VALUE",
    help: "a Codex `config.toml` override (repeatable); accepted and changes nothing here (the reference's exec-server reads none for serving either). With `--strict-config` each must be `KEY=VALUE`"
  }),
  enable: repeatedText("enable", {
    metavar: "FEATURE",
    help: "a Codex feature to enable (repeatable); accepted and changes nothing here"
  }),
  disable: repeatedText("disable", {
    metavar: "FEATURE",
    help: "a Codex feature to disable (repeatable); accepted and changes nothing here"
  }),
  strictConfig: switchFlag("strict-config", {
    help: "refuse a `-c` override that is not `KEY=VALUE` (exit 2); Codex's own config fields are not checked here"
  })
} as const

/** Every flag of the server command, in the order of `--help` and the docs table. */
export const serverFlags = {
  listen: optionalText("listen", {
    metavar: "URL",
    documentedDefault: "`stdio://`; none with `--connect`",
    help: "transport endpoint: `stdio://` or `ws://IP:PORT` (IPv4, or IPv6 in brackets; host names are refused, exit 2; port 0 picks a free port). A WebSocket server prints its URL with the real port as one stdout line (as Codex's exec-server does, for scripts) and one stderr line `exec-server listening on ws://HOST:PORT`"
  }),
  ...executorFlags,
  logFormat,
  ...configFlags,
  ...webSocketFlags,
  exitOnStdinClose: switchFlag("exit-on-stdin-close", {
    env: { name: "CODEX_EXEC_SERVER_EXIT_ON_STDIN_CLOSE", value: "true", rule: "`true` or `false` only, else exit 2" },
    help: "a WebSocket server stops (as on SIGTERM) when its stdin ends, for a parent that holds the pipe"
  }),
  console: switchFlag("console", {
    help: "serve the web console on the WebSocket listener: pages under `/console/`, login by a one-time link from `exec-server console-url` (see docs/CONSOLE.md)"
  }),
  consoleKeyFile: optionalText("console-key-file", {
    metavar: "PATH",
    help: "with `--console`: the file the server writes its console key to (mode 0600; denied in every sandbox), which `console-url` reads to mint login links. Default: `console-PORT.key` in `$XDG_RUNTIME_DIR/exec-server`, else `~/.exec-server`"
  }),
  noNative: switchFlag("no-native", {
    env: { name: NATIVE_ENV, value: "0", rule: "`0` or `1` only, else exit 2" },
    help: "do not load the native addon: pipe children start through Node's `child_process`, their output is read through Node's streams and encoded through Node's strings"
  }),
  ...sandboxFlags,
  ...limitFlags,
  ...keepFlags,
  httpHeaderEnv: repeatedText("http-header-env", {
    metavar: "NAME",
    help: "an environment variable of the server's that an `http/request` header may take its value from (`valueEnvVar`; repeatable). None by default: the server's environment (its tokens included) is never sent anywhere a client names unless the operator lists the variable"
  }),
  ...referenceFlags
} as const

/** The gateway command's flags: a WebSocket listener's, and the NATS cluster's of the executors. */
export const gatewayFlags = {
  listen: optionalText("listen", {
    metavar: "ws://IP:PORT",
    documentedDefault: "required",
    help: "gateway: where clients connect; environment `ID` is at `ws://IP:PORT/env/ID`. Its URL with the real port is one stdout line, and one stderr line `exec-server gateway listening on ws://HOST:PORT`"
  }),
  connect: optionalText("connect", {
    metavar: "nats://HOST:PORT[,...]",
    documentedDefault: "required",
    help: "gateway: the NATS servers the executors serve their environments through (one connection, reconnecting for ever)"
  }),
  maxMessageBytes: configFlags.maxMessageBytes,
  logFormat,
  ...webSocketFlags,
  ...natsFlags
} as const
