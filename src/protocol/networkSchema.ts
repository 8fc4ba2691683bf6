/**
 * The managed network proxy's shapes (issue 46; docs/PROTOCOL.md, "The
 * managed network proxy"): `process/start.networkProxy`, the server's
 * request `network/policyRequest` and its answer, and the notification
 * `network/policyDecision`. Field names and required fields are the
 * reference's (codex 0.169); unknown fields are ignored, as it ignores them.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { invalid, OptionalNullable, PositiveInt } from "./primitives.js"

/** What `domains` says of a host pattern. */
export const DomainRule = Schema.Literals(["none", "allow", "deny"])
/** @see DomainRule */
export type DomainRule = typeof DomainRule.Type

/** What `unixSockets` says of a socket path. */
export const UnixSocketRule = Schema.Literals(["allow", "deny"])

/** `limited`: only GET, HEAD and OPTIONS, and no HTTPS tunnels; `full`: every method. */
export const NetworkMode = Schema.Literals(["limited", "full"])

/** A custom provider's fields (snake_case, as the reference's). */
const PROVIDER_FIELDS = ["env", "patterns", "url_prefixes", "url_prefix_from_env", "auth", "header", "prefix"] as const

/**
 * A custom credential provider (`credentialProviders.<name>`): strict in its
 * shape, as the reference (an unknown field is refused in serde's words);
 * what it says is checked when a process starts, and a provider that does
 * not hold is dropped with a warning, as the reference drops it.
 */
export const CredentialProviderConfig = Schema.Record(Schema.String, Schema.Unknown).pipe(
  Schema.check(Schema.makeFilter((fields) => {
    const unknown = Object.keys(fields).find((name) => !(PROVIDER_FIELDS as ReadonlyArray<string>).includes(name))
    return unknown === undefined ||
      `unknown field \`${unknown}\`, expected one of ${PROVIDER_FIELDS.map((name) => `\`${name}\``).join(", ")}`
  })),
  Schema.decodeTo(
    Schema.Struct({
      /** The variables holding the credential. */
      env: Schema.optional(Schema.Array(Schema.String)),
      /** Regular expressions a value must match whole to be the credential. */
      patterns: Schema.optional(Schema.Array(Schema.String)),
      /** Where the credential may be sent: `https://host[:port]/path`, `*.domain`, `http://` only to loopback. */
      url_prefixes: Schema.optional(Schema.Array(Schema.String)),
      /** A variable whose value is one more destination. */
      url_prefix_from_env: Schema.optional(Schema.String),
      auth: Schema.optional(Schema.Array(Schema.Literals(["bearer", "token", "basic", "header"]))),
      header: Schema.optional(Schema.String),
      prefix: Schema.optional(Schema.String)
    })
  )
)
/** @see CredentialProviderConfig */
export type CredentialProviderConfig = typeof CredentialProviderConfig.Type

/** How serde names a JSON value's type in "invalid type: …, expected …" (the reference's words, as probed). */
const serdeType = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "sequence"
    : typeof value === "string"
    ? `string ${JSON.stringify(value)}`
    : typeof value === "object"
    ? "map"
    : typeof value

/** A boolean the reference type-checks: anything else is refused in its words ("invalid type: number, expected a boolean"). */
const CheckedBoolean = Schema.Unknown.pipe(
  Schema.decodeTo(
    Schema.Boolean,
    SchemaTransformation.transformEffect({
      decode: (input: unknown) =>
        typeof input === "boolean"
          ? Effect.succeed(input)
          : Effect.fail(invalid(input, `invalid type: ${serdeType(input)}, expected a boolean`)),
      encode: (value: boolean) => Effect.succeed<unknown>(value)
    })
  )
)

/**
 * The proxy's settings (the reference's `RemoteNetworkProxyConfig`): the
 * booleans are required, as the reference requires them. Listener
 * addresses are not sent: each process's proxy takes loopback ports of its own.
 */
export const NetworkProxyConfig = Schema.Struct({
  enabled: Schema.Boolean,
  enableSocks5: Schema.Boolean,
  enableSocks5Udp: Schema.Boolean,
  allowUpstreamProxy: Schema.Boolean,
  dangerouslyAllowAllUnixSockets: Schema.Boolean,
  mode: NetworkMode,
  allowLocalBinding: Schema.Boolean,
  /** Host pattern → rule: `example.com`, `*.example.com` (subdomains), `**.example.com` (apex and subdomains), `*` (every host, allow only). */
  domains: OptionalNullable(Schema.Record(Schema.String, DomainRule)),
  unixSockets: OptionalNullable(Schema.Record(Schema.String, UnixSocketRule)),
  /** Hosts the client always decides, even when a rule would. */
  reviewDomains: OptionalNullable(Schema.Array(Schema.String)),
  /** Replace credentials in the child's environment by dummies the proxy gives the real value back for, towards their hosts only. */
  credentialMasking: OptionalNullable(Schema.Boolean),
  /** Providers beyond the built-in GitHub and OpenAI ones, by name. */
  credentialProviders: OptionalNullable(Schema.Record(Schema.String, CredentialProviderConfig)),
  /**
   * Direct TCP connects of the sandboxed process go through its SOCKS5
   * proxy with the host name (sandbox/transparentTcp.ts). Needs a sandbox
   * and `enableSocks5`; `null` is refused as the reference refuses it.
   */
  transparentTcp: Schema.optional(CheckedBoolean)
})
/** @see NetworkProxyConfig */
export type NetworkProxyConfig = typeof NetworkProxyConfig.Type

/** Who and what a process's decisions are attributed to (all optional; the reference's names). */
export const AuditMetadata = Schema.Struct({
  conversationId: OptionalNullable(Schema.String),
  userAccountId: OptionalNullable(Schema.String),
  userEmail: OptionalNullable(Schema.String),
  terminalType: OptionalNullable(Schema.String),
  model: OptionalNullable(Schema.String),
  originator: OptionalNullable(Schema.String),
  authMode: OptionalNullable(Schema.String),
  appVersion: OptionalNullable(Schema.String)
})

/** `process/start.networkProxy` (the reference's `RemoteNetworkProxyLaunchConfig`). */
export const NetworkProxyLaunch = Schema.Struct({
  proxy: NetworkProxyConfig.pipe(
    Schema.check(Schema.makeFilter((proxy) =>
      proxy.enabled || "invalid network proxy config: executor-local network proxy launch requires an enabled proxy"
    ))
  ),
  /** Present: hosts no rule decides are asked of the client (`network/policyRequest`), for this long (plus 5 s, as the reference). */
  policyDecisionTimeoutMs: OptionalNullable(
    Schema.Int.pipe(
      Schema.check(Schema.makeFilter((ms) => ms !== 0 || "network policy decision callback timeout must be nonzero")),
      Schema.check(Schema.isGreaterThanOrEqualTo(0))
    )
  ),
  auditMetadata: OptionalNullable(AuditMetadata),
  executionId: OptionalNullable(Schema.String)
})
/** @see NetworkProxyLaunch */
export type NetworkProxyLaunch = typeof NetworkProxyLaunch.Type

/** How a request reached the proxy. */
export const NetworkProtocol = Schema.Literals(["http", "https_connect", "socks5_tcp", "socks5_udp"])
/** @see NetworkProtocol */
export type NetworkProtocol = typeof NetworkProtocol.Type

/** `network/policyRequest` params: the server asks its client about a host (limits as the reference's). */
export const PolicyRequestParams = Schema.Struct({
  processId: Schema.String.pipe(Schema.check(Schema.isMaxLength(256))),
  request: Schema.Struct({
    protocol: NetworkProtocol,
    host: Schema.String.pipe(Schema.check(Schema.isMaxLength(253))),
    port: PositiveInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(65535)))
  })
})
/** @see PolicyRequestParams */
export type PolicyRequestParams = typeof PolicyRequestParams.Type

const Reason = Schema.String.pipe(Schema.check(Schema.isMaxLength(1024)))

/** The client's decision: `ask` means the client would have to prompt, and blocks the request as `deny` does. */
export const PolicyDecision = Schema.Union([
  Schema.Struct({ type: Schema.Literal("allow") }),
  Schema.Struct({ type: Schema.Literal("deny"), reason: Reason }),
  Schema.Struct({ type: Schema.Literal("ask"), reason: Reason })
])
/** @see PolicyDecision */
export type PolicyDecision = typeof PolicyDecision.Type

/** `network/policyRequest` result. */
export const PolicyRequestResult = Schema.Struct({ decision: PolicyDecision })
/** @see PolicyRequestResult */
export type PolicyRequestResult = typeof PolicyRequestResult.Type

/** `network/policyDecision`: one evaluated request of a process's proxy (the reference's 12 fields; no `method` for SOCKS). */
export const PolicyDecisionNotification = Schema.Struct({
  processId: Schema.String,
  /** RFC 3339 with milliseconds, UTC. */
  timestamp: Schema.String,
  scope: Schema.Literals(["domain", "non_domain"]),
  decision: Schema.Literals(["allow", "deny", "ask"]),
  source: Schema.Literals(["baseline_policy", "decider", "mode_guard"]),
  reason: Schema.String,
  protocol: NetworkProtocol,
  host: Schema.String,
  port: Schema.Int,
  method: Schema.optional(Schema.String),
  client: Schema.String,
  policyOverride: Schema.Boolean
})
/** @see PolicyDecisionNotification */
export type PolicyDecisionNotification = typeof PolicyDecisionNotification.Type
