/**
 * A process's masked credentials (issue 47; docs/PROTOCOL.md, "Credential
 * masking"): its environment with every credential of a bound source, and
 * every built-in credential found inside another variable, replaced by a
 * dummy; the markers that tell the child so; and, for its proxy, which
 * tunnels to look inside and which headers to give the real value back in.
 * A dummy is random, remembered per session for the same real value (so a
 * client sees one dummy for one credential), and only ever translated
 * towards the destinations its source is bound to.
 */
import {
  BUILT_IN_SOURCES,
  type Binding,
  CONTEXT_VARIABLES,
  type CredentialSource,
  discoverIn,
  type HeaderMap
} from "./providers.js"
import type { RequestTarget } from "./destination.js"
import type { DummyMemory } from "./dummyMemory.js"

export const ACTIVE_MARKER = "CODEX_NETWORK_PROXY_CREDENTIAL_BROKER_ACTIVE"
export const BROKERED_MARKER = "CODEX_NETWORK_PROXY_BROKERED_CREDENTIALS"

/** The reference's warnings, word for word. */
export const UNPROTECTED_WARNING = "Credential masking could not protect some environment credentials; continuing with those values unmasked."

/** Shorter values are replaced inside another variable only when they are its whole value (a PIN inside a path is not a credential). */
const MIN_EMBEDDED_LENGTH = 16

/** Where a shell snapshot's state travels (process/shellSnapshot.ts): one text cut over several variables. */
const SNAPSHOT_STATE = /^__CODEX_SHELL_SNAPSHOT_STATE_(\d+)$/

/** A credential the process's proxy may give back. */
interface Registered {
  readonly source: CredentialSource
  /** The variable it is known by (a discovered one: its provider's first). */
  readonly key: string
  readonly real: string
  readonly dummy: string
  readonly binding: Binding
}

/** What masking made of a process's environment. */
export interface MaskedCredentials {
  /** The child's environment, masked, with the markers. */
  readonly environment: Record<string, string>
  /** What the operator should know (never a value). */
  readonly warnings: ReadonlyArray<string>
  /** The dummies handed out (tests and the console may look; never the real values). */
  readonly dummies: ReadonlyArray<string>
  /** Whether a tunnel to this host and port must be looked inside: TLS terminated, or plain HTTP read. */
  readonly intercepts: (host: string, port: number) => { readonly tls: boolean; readonly http: boolean }
  /**
   * The headers to set on a request to `target` so that the dummies in it
   * carry the real values: none when no credential is bound there, and none
   * for a header two credentials would translate differently.
   */
  readonly translate: (target: RequestTarget, headers: HeaderMap) => ReadonlyArray<readonly [string, string]>
  /** Each credential bound to `target`, real value then dummy: what an answer from there must not show the child (reflection.ts). */
  readonly bound: (target: RequestTarget) => ReadonlyArray<readonly [real: string, dummy: string]>
  /** What this masking decided, to mask the same start's environment again once more is added to it. */
  readonly seed: MaskingSeed
}

/**
 * A start's masking, kept for when its environment grows (a shell snapshot
 * restored: ProcessStart.ts): its credentials keep their dummies and their
 * destinations, and every destination is decided by the start's own
 * environment, never by what its login files set (a `GH_HOST` or
 * `OPENAI_BASE_URL` of theirs would send the real value elsewhere).
 */
export interface MaskingSeed {
  readonly registered: ReadonlyArray<Registered>
  /** The environment the destinations were decided by. */
  readonly context: Readonly<Record<string, string>>
}

/** Variables discovery leaves alone: search paths, and the context the built-ins bind by. */
const notScanned = (key: string) => key === "PATH" || key.endsWith("_PATH") || CONTEXT_VARIABLES.has(key) || key === BROKERED_MARKER

/** Masks `env` with the built-in sources and `custom` ones. */
export const maskEnvironment = (options: {
  readonly env: Readonly<Record<string, string>>
  readonly custom: ReadonlyArray<CredentialSource>
  readonly memory: DummyMemory
  /** Clients bypass the proxy to local destinations then, so their credentials stay real. */
  readonly allowLocalBinding: boolean
  /** The same start's earlier masking, whose dummies `env` may hold already (see MaskingSeed). */
  readonly seed?: MaskingSeed | undefined
}): MaskedCredentials => {
  const env: Record<string, string> = { ...options.env }
  const context = options.seed?.context ?? options.env
  // A snapshot's state is masked as the one text it is, then cut again into as many variables.
  const stateKeys = Object.keys(env).filter((key) => SNAPSHOT_STATE.test(key))
    .sort((a, b) => Number(SNAPSHOT_STATE.exec(a)![1]) - Number(SNAPSHOT_STATE.exec(b)![1]))
  const STATE = "\0snapshot state"
  if (stateKeys.length > 0) {
    env[STATE] = stateKeys.map((key) => env[key]).join("")
    for (const key of stateKeys) delete env[key]
  }
  const warnings = new Set<string>()
  const registered: Array<Registered> = [...(options.seed?.registered ?? [])]
  const values = () => Object.values(env)

  const register = (source: CredentialSource, key: string, real: string, binding: Binding): string | undefined => {
    const known = registered.find((entry) => entry.source.provider === source.provider && entry.real === real)
    if (known !== undefined) return known.dummy
    const taken = (candidate: string) =>
      candidate === real || values().some((value) => value.includes(candidate)) ||
      registered.some((entry) => entry.dummy === candidate || entry.real.includes(candidate) || candidate.includes(entry.real))
    let dummy = options.memory.get(source.provider, real)
    if (dummy !== undefined && (registered.some((entry) => entry.dummy === dummy) || dummy === real)) dummy = undefined
    for (let attempt = 0; dummy === undefined && attempt < 64; attempt++) {
      const candidate = source.dummyFor(real)
      if (candidate !== undefined && !taken(candidate)) dummy = candidate
    }
    if (dummy === undefined) return undefined
    options.memory.set(source.provider, real, dummy)
    registered.push({ source, key, real, dummy, binding })
    return dummy
  }

  const sources = [...BUILT_IN_SOURCES, ...options.custom]
  const sourceVariables = new Set(sources.flatMap((source) => source.envVars))
  // Variables left real that hold a credential: a warning when they still do once copies are masked.
  const unprotected = new Map<string, string>()
  // A value whose own source binds it nowhere keeps that source (an enterprise token without GH_HOST is not a cloud one).
  const unbound = new Set<string>()

  // The sources' own variables.
  for (const source of sources) {
    const present = source.envVars.filter((key) => env[key] !== undefined && source.recognises(env[key]))
    if (present.length === 0) continue
    const binding = source.binding(context)
    if (binding === undefined) {
      for (const key of present) {
        unprotected.set(key, env[key]!)
        unbound.add(env[key]!)
      }
      continue
    }
    if (binding.bypassable && options.allowLocalBinding) continue
    for (const key of present) {
      const real = env[key]!
      if (registered.some((entry) => entry.dummy === real)) continue
      const dummy = register(source, key, real, binding)
      if (dummy === undefined) unprotected.set(key, real)
      else env[key] = dummy
    }
  }
  // Built-in credentials written inside other variables (`Bearer ghp_…`, a URL's password, a snapshot's alias).
  for (const [key, value] of Object.entries(env)) {
    if (notScanned(key) || sourceVariables.has(key)) continue
    for (const found of discoverIn(value)) {
      if (unbound.has(found.value) || registered.some((entry) => entry.real === found.value || entry.dummy === found.value)) continue
      const binding = found.source.binding(context)
      if (binding === undefined || register(found.source, found.source.envVars[0]!, found.value, binding) === undefined) {
        unprotected.set(key, value)
      }
    }
  }
  // Every copy of a registered value becomes its dummy.
  for (const [key, value] of Object.entries(env)) {
    let masked = value
    for (const entry of registered) {
      if (masked === entry.real) masked = entry.dummy
      else if (entry.real.length >= MIN_EMBEDDED_LENGTH) masked = masked.split(entry.real).join(entry.dummy)
    }
    env[key] = masked
  }
  if ([...unprotected].some(([key, value]) => env[key] === value)) warnings.add(UNPROTECTED_WARNING)

  const pairs = new Set<string>()
  for (const entry of registered) {
    for (const [key, value] of Object.entries(env)) {
      if (key === STATE || !value.includes(entry.dummy)) continue
      pairs.add(JSON.stringify([`@alias:${key}`, entry.dummy]))
      if (key === entry.key && value === entry.dummy) pairs.add(JSON.stringify([key, entry.dummy]))
    }
  }
  if (stateKeys.length > 0) {
    const state = env[STATE]!
    delete env[STATE]
    // As many variables as before (the restoring command names them), never cutting a surrogate pair.
    const size = Math.ceil(state.length / stateKeys.length)
    let at = 0
    stateKeys.forEach((key, index) => {
      let end = index === stateKeys.length - 1 ? state.length : Math.min(at + size, state.length)
      if (end < state.length && /[\udc00-\udfff]/.test(state[end]!)) end++
      env[key] = state.slice(at, end)
      at = end
    })
  }
  env[ACTIVE_MARKER] = "1"
  env[BROKERED_MARKER] = `[${[...pairs].sort().join(",")}]`

  return {
    environment: env,
    warnings: [...warnings],
    dummies: registered.map((entry) => entry.dummy),
    seed: { registered: [...registered], context },
    intercepts: (host, port) => {
      let tls = false
      let http = false
      for (const entry of registered) {
        const wanted = entry.binding.intercepts(host, port)
        tls ||= wanted.tls
        http ||= wanted.http
      }
      return { tls, http }
    },
    bound: (target) => registered.filter((entry) => entry.binding.matches(target)).map((entry) => [entry.real, entry.dummy] as const),
    translate: (target, headers) => {
      const byHeader = new Map<string, Set<string>>()
      for (const entry of registered) {
        if (!entry.binding.matches(target)) continue
        for (const [name, value] of entry.source.translate(headers, entry.dummy, entry.real)) {
          const set = byHeader.get(name) ?? new Set<string>()
          set.add(value)
          byHeader.set(name, set)
        }
      }
      return [...byHeader].filter(([, set]) => set.size === 1).map(([name, set]) => [name, [...set][0]!] as const)
    }
  }
}
