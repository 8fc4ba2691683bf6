/**
 * The web console's credentials: one-time login links and the browser
 * sessions they are traded for. A link's secret travels in a URL fragment
 * (never sent to the server by the browser, so never in its logs); the page
 * posts it once and gets a browser session in two halves: an HttpOnly
 * cookie, and a key the page keeps in its origin's storage and presents
 * with each request. Both are needed: a browser sends its cookies for a
 * host to every port of it (another local web server gets ours), but no
 * other origin's page can read the key. The server keeps only SHA-256
 * digests, in memory: a restart revokes every link and every session.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

/** How long a login link may wait to be used. */
export const LINK_TTL_MS = 5 * 60 * 1000
/** How long a browser session lives without being used (its cookie's Max-Age too). */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000
/** Links and sessions kept at most: beyond, the oldest goes (an operator minting links in a loop cannot grow the server). */
const MAX_ENTRIES = 256

/** A browser session's two halves: the cookie's value and the key the page presents. */
export interface BrowserSession {
  readonly cookie: string
  readonly key: string
}

/** A fresh login link's secret and when it stops working. */
export interface LoginLink {
  readonly secret: string
  readonly expiresAtMs: number
}

const digest = (secret: string): string => createHash("sha256").update(secret).digest("hex")
/** A session's entry: both halves, neither enough alone. */
const sessionDigest = (cookie: string, key: string): string => digest(`${cookie}.${key}`)
/** 256 bits, URL-safe: fits a fragment and a cookie value without escaping. */
const newSecret = (): string => randomBytes(32).toString("base64url")

/** Expiring digests, oldest first (Map keeps insertion order). */
class Expiring {
  private readonly entries = new Map<string, number>()
  constructor(private readonly now: () => number) {}
  add(key: string, expiresAtMs: number): void {
    this.prune()
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, expiresAtMs)
  }
  /** Whether `key` is there and unexpired; `take` removes it either way. */
  has(key: string, take = false): boolean {
    const expiresAtMs = this.entries.get(key)
    if (expiresAtMs === undefined) return false
    if (take || expiresAtMs <= this.now()) this.entries.delete(key)
    return expiresAtMs > this.now()
  }
  /** Moves `key` to the back with a new expiry (a session in use stays). */
  renew(key: string, expiresAtMs: number): void {
    this.entries.delete(key)
    this.entries.set(key, expiresAtMs)
  }
  delete(key: string): void {
    this.entries.delete(key)
  }
  /** Whether another entry would push out an unexpired one. */
  full(): boolean {
    this.prune()
    return this.entries.size >= MAX_ENTRIES
  }
  private prune(): void {
    const now = this.now()
    for (const [key, expiresAtMs] of this.entries) if (expiresAtMs <= now) this.entries.delete(key)
  }
}

/** The console's links and browser sessions, and the operator's key that mints links. */
export class ConsoleAuth {
  private readonly links: Expiring
  private readonly sessions: Expiring
  /**
   * The console key (consoleKey.ts): drawn at start, written to a file only
   * the server's user can read; whoever presents it may mint links.
   */
  readonly operatorKey: string = newSecret()
  private readonly operatorKeyDigest = createHash("sha256").update(this.operatorKey).digest()
  constructor(private readonly now: () => number = Date.now) {
    this.links = new Expiring(now)
    this.sessions = new Expiring(now)
  }

  /** Whether `presented` is the operator's key (digests compared, in the same time whatever its length). */
  isOperatorKey(presented: string | undefined): boolean {
    if (presented === undefined) return false
    return timingSafeEqual(createHash("sha256").update(presented).digest(), this.operatorKeyDigest)
  }

  /** A new one-time login link. */
  issueLink(): LoginLink {
    const secret = newSecret()
    const expiresAtMs = this.now() + LINK_TTL_MS
    this.links.add(digest(secret), expiresAtMs)
    return { secret, expiresAtMs }
  }

  /**
   * Trades a link's secret (once) for a browser session; "unknown" when it
   * is unknown, used or expired, "full" (the link kept) when as many
   * sessions live as are kept: a new login never logs another browser out.
   */
  redeem(secret: string): BrowserSession | "unknown" | "full" {
    if (!this.links.has(digest(secret))) return "unknown"
    if (this.sessions.full()) return "full"
    this.links.delete(digest(secret))
    const session = { cookie: newSecret(), key: newSecret() }
    this.sessions.add(sessionDigest(session.cookie, session.key), this.now() + SESSION_IDLE_MS)
    return session
  }

  /** Whether a cookie's value with the page's key is a live browser session; using it keeps it alive. */
  validSession(cookie: string | undefined, key: string | undefined): boolean {
    if (cookie === undefined || cookie === "" || key === undefined || key === "") return false
    const entry = sessionDigest(cookie, key)
    if (!this.sessions.has(entry)) return false
    this.sessions.renew(entry, this.now() + SESSION_IDLE_MS)
    return true
  }

  /** Ends a browser session (logout). */
  revoke(cookie: string | undefined, key: string | undefined): void {
    if (cookie !== undefined && key !== undefined) this.sessions.delete(sessionDigest(cookie, key))
  }
}
