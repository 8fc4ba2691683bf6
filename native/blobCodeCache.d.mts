/** Types of native/blobCodeCache.mjs, for the tests. */
import type { Buffer } from "node:buffer"

/** Where a blob's code cache of Node's built-in modules starts, or -1 where the file does not end with one. */
export declare const codeCacheOffset: (bytes: Buffer) => number
/** Rewrites `file` with an empty code cache: the bytes dropped, or 0 where it does not end with one (left as it was). */
export declare const dropCodeCache: (file: string) => number
