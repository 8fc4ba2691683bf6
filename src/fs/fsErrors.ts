/** The protocol's errors of the filesystem methods: -32004 for a missing path, -32603 with the errno for other OS errors. */
import type { PlatformError } from "effect/PlatformError"
import { errnoOf, InternalError, type InvalidRequest, PathNotFound } from "../protocol/errors.js"

/** What a filesystem method fails with. */
export type FsError = PathNotFound | InvalidRequest | InternalError

const ERRNO_BY_REASON: Record<string, string> = {
  NotFound: "ENOENT",
  PermissionDenied: "EACCES",
  AlreadyExists: "EEXIST",
  BadResource: "EBADF",
  Busy: "EBUSY",
  InvalidData: "EINVAL",
  TimedOut: "ETIMEDOUT",
  WouldBlock: "EAGAIN",
  WriteZero: "EIO",
  UnexpectedEof: "EIO"
}

/** The protocol's error for an OS error (its errno and text) of an operation on `path`. */
const fsError = (operation: string, path: string, errno: string | undefined, detail: string): FsError =>
  errno === "ENOENT"
    ? new PathNotFound({ message: `${operation}: no such file or directory: ${path}` })
    : new InternalError({ message: `${operation} ${path}: ${detail}`, ...(errno === undefined ? {} : { errno }) })

/** Maps a platform error to the protocol's error for an operation on `path`. */
export const fromPlatformError = (operation: string, path: string) => (error: PlatformError): FsError => {
  const system = error.reason._tag === "BadArgument" ? undefined : error.reason
  const cause = system?.cause
  const reason = system?._tag
  const errno = errnoOf(cause) ?? (reason === undefined ? undefined : ERRNO_BY_REASON[reason])
  return fsError(operation, path, errno, cause instanceof Error ? cause.message : error.message)
}

/** Maps a Node error of an operation on `path` to the protocol's error. */
export const fromNodeError = (operation: string, path: string) => (error: unknown): FsError =>
  fsError(operation, path, errnoOf(error), error instanceof Error ? error.message : String(error))
