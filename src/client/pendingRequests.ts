/**
 * The client's requests waiting for their answers, and the server's answers
 * matched to them: a response by its id, the id-less refusal of a message
 * too large to read by its size. Apart from the peer, which sends the
 * requests and keeps the link: this is what an answer settles.
 */
import * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import type { WireError } from "../protocol/errors.js"
import { RequestTooLarge } from "./ClientError.js"
import type { MethodTable } from "./methods.js"

/** A request sent, or to be sent, and the answer it waits for. */
export interface PendingRequest {
  readonly method: string
  readonly text: string
  readonly bytes: number
  /** Fails with a `ClientError`, or with a failure the application's own method declares. */
  readonly reply: Deferred.Deferred<unknown, unknown>
  /** The link it went out on; undefined: not sent yet (it goes out once a link is up). */
  sentOn: number | undefined
}

/** The requests waiting, by id. */
export type PendingRequests = Map<number, PendingRequest>

/** A response as the peer reads it. */
export interface ResponseMessage {
  readonly id?: unknown
  readonly result?: unknown
  readonly error?: WireError
}

/**
 * Settles the request `m` answers, if one waits for it; `limitLearned` is
 * told the server's limit on a message's size when a sent request exceeded it.
 */
export const settleResponse = (
  pending: PendingRequests,
  methods: MethodTable,
  m: ResponseMessage,
  limitLearned: (limit: number) => void
): void => {
  if (m.id === null && m.error !== undefined) return settleRefusedUnread(pending, m.error, limitLearned)
  if (typeof m.id !== "number") return
  const request = pending.get(m.id)
  if (request === undefined) return
  pending.delete(m.id)
  if (m.error !== undefined) {
    Deferred.doneUnsafe(request.reply, Exit.fail(methods.failure(request.method, m.error)))
  } else {
    Deferred.doneUnsafe(request.reply, Exit.succeed(m.result))
  }
}

/** A message the server refused unread (too large): its size tells which request it was. */
const settleRefusedUnread = (pending: PendingRequests, error: WireError, limitLearned: (limit: number) => void): void => {
  const data = error.data as { bytes?: unknown; limit?: unknown } | undefined
  if (typeof data?.bytes !== "number" || typeof data.limit !== "number") return
  for (const [id, request] of pending) {
    if (request.bytes !== data.bytes || request.sentOn === undefined) continue
    pending.delete(id)
    limitLearned(data.limit)
    Deferred.doneUnsafe(
      request.reply,
      Exit.fail(
        new RequestTooLarge({
          method: request.method,
          bytes: data.bytes,
          limit: data.limit,
          message: `${request.method}: the server refused a message of ${data.bytes} bytes (its limit is ${data.limit})`
        })
      )
    )
    return
  }
}
