/**
 * The last bytes of a process's output, kept for what is read from it after
 * the end (a sandbox's denial, recognised in what the process printed last).
 */

/** The last `maxBytes` (or a little more) of a process's output. */
export class OutputTail {
  private chunks: Array<Uint8Array> = []
  private bytes = 0
  constructor(private readonly maxBytes: number) {}
  push(chunk: Uint8Array): void {
    // A copy: the child's output may be in a read buffer that is reused.
    this.chunks.push(chunk.slice())
    this.bytes += chunk.byteLength
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.byteLength >= this.maxBytes) {
      this.bytes -= this.chunks.shift()!.byteLength
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8")
  }
}
