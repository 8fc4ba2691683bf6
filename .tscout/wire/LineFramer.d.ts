/**
 * Splits a byte stream into newline-delimited frames without ever holding
 * more than the size limit of one line: a longer line is dropped as it
 * arrives and reported as one `Oversized` frame when its newline comes.
 */
import type { Frame } from "./JsonRpc.js";
/** Incremental line splitter with a per-line byte limit. */
export declare class LineFramer {
    readonly maxLineBytes: number;
    private parts;
    private size;
    private readonly decoder;
    constructor(maxLineBytes: number);
    /** Frames completed by `chunk`. */
    push(chunk: Uint8Array): Array<Frame>;
    /** The last line, when the input ended without a newline. */
    end(): Array<Frame>;
    private accumulate;
    private take;
}
//# sourceMappingURL=LineFramer.d.ts.map