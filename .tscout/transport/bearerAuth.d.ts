import { type SignedBearerOptions } from "./signedBearer.js";
/** A capability token (its SHA-256 digest) or signed bearer tokens; neither: no token is asked for. */
export interface BearerAuth {
    readonly tokenSha256?: Uint8Array | undefined;
    readonly signedBearer?: SignedBearerOptions | undefined;
}
/** What is wrong with the options themselves, if anything. */
export declare const bearerAuthProblem: (auth: BearerAuth) => string | undefined;
/** Whether any token is asked for. */
export declare const asksForToken: (auth: BearerAuth) => boolean;
/**
 * Whether `token` is the capability token of `digest`. Digests are
 * compared, so the comparison takes the same time whatever the token's length.
 */
export declare const capabilityTokenMatches: (token: string | undefined, digest: Uint8Array) => boolean;
/**
 * Why `token` is refused under `auth` (for the log, and for a remote
 * stream's reset; never the token), or undefined when it is let in. Never
 * rejects.
 */
export declare const bearerRefusal: (token: string | undefined, auth: BearerAuth) => Promise<string | undefined>;
//# sourceMappingURL=bearerAuth.d.ts.map