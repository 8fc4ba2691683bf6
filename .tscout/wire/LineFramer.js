const NEWLINE = 0x0a;
/** Incremental line splitter with a per-line byte limit. */
export class LineFramer {
    maxLineBytes;
    parts = [];
    size = 0;
    decoder = new TextDecoder();
    constructor(maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }
    /** Frames completed by `chunk`. */
    push(chunk) {
        const frames = [];
        let start = 0;
        while (start <= chunk.length) {
            const newline = chunk.indexOf(NEWLINE, start);
            if (newline === -1) {
                this.accumulate(chunk.subarray(start));
                break;
            }
            this.accumulate(chunk.subarray(start, newline));
            frames.push(this.take());
            start = newline + 1;
        }
        return frames;
    }
    /** The last line, when the input ended without a newline. */
    end() {
        return this.size > 0 ? [this.take()] : [];
    }
    accumulate(part) {
        if (part.length === 0)
            return;
        this.size += part.length;
        if (this.size > this.maxLineBytes) {
            this.parts = [];
        }
        else {
            this.parts.push(part);
        }
    }
    take() {
        const size = this.size;
        const parts = this.parts;
        this.parts = [];
        this.size = 0;
        if (size > this.maxLineBytes)
            return { _tag: "Oversized", bytes: size };
        const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        return { _tag: "Text", text: this.decoder.decode(bytes) };
    }
}
//# sourceMappingURL=LineFramer.js.map