/**
 * A process actor's mailbox: its commands run one at a time, in the order
 * they were sent, by a fiber started with the first command (an actor that
 * is never asked anything costs no fiber). Once the actor has stopped,
 * commands get the answer a closed process gives.
 */
import type * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"

/** A command in the mailbox; one whose sender was interrupted before it started is skipped. */
interface Command {
  readonly run: Effect.Effect<void>
  abandoned: boolean
}

/** An actor's mailbox. */
export interface CommandMailbox {
  /**
   * Runs `command` in its turn, or `whenStopped` once the actor has stopped
   * (checked when it is asked and again when its turn comes). A command runs
   * to its end once it has started, even if its sender is interrupted; one
   * whose sender is interrupted before it starts never runs.
   */
  readonly ask: <A>(command: Effect.Effect<A>, whenStopped: Effect.Effect<A>) => Effect.Effect<A>
  /** The actor has stopped: the fiber ends once the mailbox is empty. */
  readonly stop: () => void
}

/** A mailbox whose actor has stopped once `stopped()`. */
export const makeCommandMailbox = (context: Context.Context<never>, stopped: () => boolean): CommandMailbox => {
  let mailbox: Queue.Queue<Command, Cause.Done> | undefined
  // Ends when the queue has ended (`Cause.Done`) and is empty.
  const serve = (commands: Queue.Queue<Command, Cause.Done>) =>
    Queue.take(commands).pipe(
      Effect.flatMap((command) => command.abandoned ? Effect.void : command.run),
      Effect.forever,
      Effect.ignore
    )
  const post = (commands: Queue.Queue<Command, Cause.Done>, entry: Command) => {
    if (mailbox === undefined) {
      mailbox = commands
      Effect.runForkWith(context)(serve(commands))
    }
    Queue.offerUnsafe(mailbox, entry)
  }
  const ask = <A>(command: Effect.Effect<A>, whenStopped: Effect.Effect<A>): Effect.Effect<A> =>
    Effect.suspend(() => {
      if (stopped()) return whenStopped
      const reply = Deferred.makeUnsafe<A>()
      const entry: Command = {
        run: Deferred.complete(reply, Effect.suspend(() => stopped() ? whenStopped : command)),
        abandoned: false
      }
      const awaitReply = Effect.onInterrupt(Deferred.await(reply), () => Effect.sync(() => void (entry.abandoned = true)))
      if (mailbox !== undefined) {
        post(mailbox, entry)
        return awaitReply
      }
      // Made with the first command; one made by a concurrent first command is kept, this one dropped.
      return Effect.flatMap(Queue.make<Command, Cause.Done>(), (made) => {
        if (stopped()) return whenStopped
        post(made, entry)
        return awaitReply
      })
    })
  return { ask, stop: () => void (mailbox !== undefined && Queue.endUnsafe(mailbox)) }
}
