/**
 * The bearer token a client sends, for every way of reaching a server that
 * takes one (a WebSocket's `Authorization` header, a remote stream's open
 * frame): given as is, or read from a file at every connect, so that a
 * short-lived JWT the file is renewed with is what a reconnect sends.
 */
import * as Effect from "effect/Effect";
import * as FsPromises from "node:fs/promises";
import { TransportClosed } from "./ClientError.js";
/** The bearer token to send, if any: `token`, or the contents of `tokenFile`. */
export const bearerTokenOf = (options) => {
    if (options.token !== undefined || options.tokenFile === undefined)
        return Effect.succeed(options.token);
    const path = options.tokenFile;
    return Effect.tryPromise({
        try: () => FsPromises.readFile(path, "utf8"),
        catch: (error) => new TransportClosed({ message: `cannot read the token file ${path}: ${error.message}` })
    }).pipe(Effect.map((text) => text.trim()), Effect.filterOrFail((token) => token !== "", () => new TransportClosed({ message: `the token file ${path} is empty` })));
};
//# sourceMappingURL=bearerToken.js.map