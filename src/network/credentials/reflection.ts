/**
 * A bound destination's answer that carries a real value back (issue 82:
 * one that echoes the request's headers, names it in a redirect's
 * `Location` or writes it in its body) gets the dummy put back before the
 * child sees it. Best effort, and said so (docs/SECURITY.md): headers and
 * bodies sent as they are (no `content-encoding` but identity) are
 * rewritten; a compressed body, or what passes after an upgrade, is not.
 */
import type * as Http from "node:http"
import { pipeline, type Readable, Transform, type TransformCallback, type Writable } from "node:stream"
import type { MaskedCredentials } from "./broker.js"
import type { RequestTarget } from "./destination.js"
import type { HeaderMap } from "./providers.js"

/** What to put back: each real text (as the destination may show it) and the dummy text it came from. */
export type Restorations = ReadonlyArray<readonly [real: string, dummy: string]>

/**
 * The restorations of one request: each header the translation set, as a
 * whole and as its credential after the scheme (`Basic <base64>`), and
 * each credential bound there in the clear; longest first, so that a value
 * is put back whole before any part of it.
 */
export const restorationsOf = (
  translated: ReadonlyArray<readonly [string, string]>,
  original: HeaderMap,
  bound: Restorations
): Restorations => {
  const pairs = new Map<string, string>()
  for (const [name, value] of translated) {
    const raw = original[name]
    const before = typeof raw === "string" ? raw : raw?.[0]
    if (before === undefined || before === value) continue
    pairs.set(value, before)
    const credential = /^\S+ (\S+)$/.exec(value)?.[1]
    const dummy = /^\S+ (\S+)$/.exec(before)?.[1]
    if (credential !== undefined && dummy !== undefined && credential !== dummy) pairs.set(credential, dummy)
  }
  for (const [real, dummy] of bound) if (real !== dummy && real.length > 0) pairs.set(real, dummy)
  return [...pairs].sort(([a], [b]) => b.length - a.length)
}

/**
 * Sets on `headers` (the request's for its destination) those the
 * translation of `original` gives for `target`; what the answer must have
 * put back.
 */
export const translateInto = (
  masked: Pick<MaskedCredentials, "translate" | "bound">,
  target: RequestTarget,
  original: HeaderMap,
  headers: Http.OutgoingHttpHeaders
): Restorations => {
  const translated = masked.translate(target, original)
  for (const [name, value] of translated) headers[name] = value
  return restorationsOf(translated, original, masked.bound(target))
}

/** `text` with every real value put back to its dummy. */
export const restoreText = (text: string, restorations: Restorations): string => {
  let restored = text
  for (const [real, dummy] of restorations) if (restored.includes(real)) restored = restored.split(real).join(dummy)
  return restored
}

/** An answer's headers with every real value put back. */
const restoreHeaders = (headers: Http.IncomingHttpHeaders, restorations: Restorations): Http.IncomingHttpHeaders => {
  if (restorations.length === 0) return headers
  const restored: Http.IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    restored[name] = value === undefined ? value : Array.isArray(value) ? value.map((one) => restoreText(one, restorations)) : restoreText(value, restorations)
  }
  return restored
}

/** Whether an answer's body is sent as it is: no `content-encoding`, or identity. */
const sentAsItIs = (headers: Http.IncomingHttpHeaders): boolean => {
  const encoding = headers["content-encoding"]
  return encoding === undefined || encoding.trim().toLowerCase() === "identity" || encoding.trim() === ""
}

/**
 * A body's rewriting: every real value put back, wherever the chunks cut
 * it. Only an end of a chunk that may begin a real value waits for the next
 * chunk: a destination that sends part of an answer and waits for the
 * client (a stream, a prompt) has the part passed at once.
 */
class RestoringBody extends Transform {
  private held: Buffer = Buffer.alloc(0)
  private readonly pairs: ReadonlyArray<readonly [Buffer, Buffer]>
  private readonly keep: number

  constructor(restorations: Restorations) {
    super()
    this.pairs = restorations.map(([real, dummy]) => [Buffer.from(real), Buffer.from(dummy)] as const)
    this.keep = Math.max(...this.pairs.map(([real]) => real.length)) - 1
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk])
    const [out, held] = this.restore(bytes, false)
    this.held = held
    done(null, out.length > 0 ? out : undefined)
  }

  override _flush(done: TransformCallback): void {
    const [out] = this.restore(this.held, true)
    this.held = Buffer.alloc(0)
    done(null, out.length > 0 ? out : undefined)
  }

  /** How many of the last bytes of `bytes` (from `from` on) may begin a real value: the longest such end. */
  private beginning(bytes: Buffer, from: number): number {
    for (let length = Math.min(this.keep, bytes.length - from); length > 0; length--) {
      const end = bytes.subarray(bytes.length - length)
      if (this.pairs.some(([real]) => real.length > length && real.subarray(0, length).equals(end))) return length
    }
    return 0
  }

  /** What can go now, and what must wait: the end that may begin a real value. */
  private restore(bytes: Buffer, last: boolean): readonly [Buffer, Buffer] {
    const parts: Array<Buffer> = []
    let from = 0
    for (;;) {
      // The earliest real value from `from`, the longest where two begin at one place.
      let at = -1
      let pair: readonly [Buffer, Buffer] | undefined
      for (const candidate of this.pairs) {
        const found = bytes.indexOf(candidate[0], from)
        if (found !== -1 && (at === -1 || found < at)) {
          at = found
          pair = candidate
        }
      }
      if (pair === undefined) break
      parts.push(bytes.subarray(from, at), pair[1])
      from = at + pair[0].length
    }
    const cut = last ? bytes.length : bytes.length - this.beginning(bytes, from)
    parts.push(bytes.subarray(from, cut))
    return [Buffer.concat(parts), Buffer.from(bytes.subarray(cut))]
  }
}

/**
 * How an answer goes to the child: its headers restored, and its body
 * through a rewriting where it is sent as it is (its `content-length`
 * dropped where a dummy's length differs from its value's: the length is
 * then the chunks' or the connection's).
 */
export const restoreAnswer = (
  headers: Http.IncomingHttpHeaders,
  restorations: Restorations
): { readonly headers: Http.IncomingHttpHeaders; readonly body: Transform | undefined } => {
  if (restorations.length === 0) return { headers, body: undefined }
  const restored = restoreHeaders(headers, restorations)
  if (!sentAsItIs(headers)) return { headers: restored, body: undefined }
  if (restorations.some(([real, dummy]) => Buffer.byteLength(real) !== Buffer.byteLength(dummy))) delete restored["content-length"]
  return { headers: restored, body: new RestoringBody(restorations) }
}

/** Sends an answer's body on to `to`, through its rewriting where it has one (`restoreAnswer`); one cut short ends `to` too. */
export const pipeAnswer = (answer: Readable, body: Transform | undefined, to: Writable): void => {
  if (body === undefined) pipeline(answer, to, () => {})
  else pipeline(answer, body, to, () => {})
}
