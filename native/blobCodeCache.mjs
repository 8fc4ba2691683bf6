// Node's code cache of its built-in modules in a startup snapshot's blob.
//
// `node --build-snapshot` writes the blob's parts in an order of its own,
// the code cache last: a count, then each module's id and code, each behind
// its length (a little-endian 64-bit size on the machines Node builds such
// blobs for; `SnapshotData::ToBlob` in Node's src/node_snapshotable.cc).
// Node reads a blob whole and keeps the cache in memory for the built-in
// modules a process loads after its start; a server's rehearsal has loaded
// nearly all of its own, so the cache is 3.4 of a 9.7 MB blob that costs
// every start its pages. Building with the cache and then dropping it keeps
// what a build without it (Node's `withoutCodeCache`) throws away too: the
// bytecode of every function the build ran. Node then compiles a built-in
// module loaded later from its source, as it does for a blob built without
// the cache.
import * as Fs from "node:fs"

/**
 * How a blob is built on this Node, the ways in the order tried (each
 * checked, the next built where the check fails): "cleared" without the
 * cache (Node's `withoutCodeCache`, which also clears the bytecode of every
 * function the build ran), "dropped" with it and then without it
 * (`dropCodeCache`: the bytecode stays), "cached" with it. "cleared" first
 * on Node 24 and later; not on Node 22, whose "cleared" blobs crash (a
 * server's as it starts: a check cannot try every module a server may load
 * later). native/startup-snapshot.mjs builds the binary's blobs so, and
 * bench/floor/effectStdioFloor.mjs the Effect 4 floor's the first way.
 */
export const blobWays = () =>
  Number(process.versions.node.split(".")[0]) >= 24 ? ["cleared", "dropped", "cached"] : ["dropped", "cached"]

/** The most entries and the longest id taken for a code cache (Node 22, 24 and 26 have 348-441 built-in modules, ids of at most 54 characters). */
const MAX_ENTRIES = 4096
const MAX_ID = 256

/** A length at `at` (a 64-bit size whose high half is 0), or -1 past the end or from 4 GiB on. */
const lengthAt = (bytes, at) => at + 8 > bytes.length || bytes.readUInt32LE(at + 4) !== 0 ? -1 : bytes.readUInt32LE(at)

/** Whether an id is one of Node's for a built-in module (`fs`, `internal/streams/readable`, `undici`). */
const isModuleId = (bytes, from, to) => {
  for (let at = from; at < to; at++) {
    const c = bytes[at]
    // a-z, A-Z, 0-9, `_`, `-`, `/`, `.`
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2f || c === 0x2e)) return false
  }
  return true
}

/** Whether a code cache starts at `at`: its count of entries, each an id and its code, ends exactly at the file's end. */
const codeCacheAt = (bytes, at) => {
  const count = lengthAt(bytes, at)
  if (count < 1 || count > MAX_ENTRIES) return false
  let next = at + 8
  for (let entry = 0; entry < count; entry++) {
    const idLength = lengthAt(bytes, next)
    if (idLength < 1 || idLength > MAX_ID || next + 8 + idLength > bytes.length) return false
    if (!isModuleId(bytes, next + 8, next + 8 + idLength)) return false
    next += 8 + idLength
    const codeLength = lengthAt(bytes, next)
    if (codeLength < 0) return false
    next += 8 + codeLength
    if (next > bytes.length) return false
  }
  return next === bytes.length
}

/**
 * Where the blob's code cache starts, or -1 where the file does not end
 * with one: the first place from which a count of entries ends exactly at
 * the file's end.
 */
export const codeCacheOffset = (bytes) => {
  for (let at = 0; at + 8 <= bytes.length; at++) {
    // Most places fail at once: a count is small, its high half zero.
    if (bytes[at + 2] !== 0 || bytes.readUInt32LE(at + 4) !== 0) continue
    if (codeCacheAt(bytes, at)) return at
  }
  return -1
}

/**
 * Rewrites `file` (a blob built with the code cache) with an empty code
 * cache. Returns the bytes it dropped, or 0 where the file does not end
 * with a code cache (it is left as it was).
 */
export const dropCodeCache = (file) => {
  const bytes = Fs.readFileSync(file)
  const at = codeCacheOffset(bytes)
  if (at === -1) return 0
  const empty = Buffer.alloc(8)
  Fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, at), empty]))
  return bytes.length - at - empty.length
}
