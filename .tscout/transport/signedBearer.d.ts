export { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MIN_SHARED_SECRET_BYTES } from "./listenUrl.js";
/** How a signed bearer token is checked. */
export interface SignedBearerOptions {
    /** The shared secret (at least `MIN_SHARED_SECRET_BYTES` bytes). */
    readonly secret: Uint8Array;
    /** The `iss` a token must carry; without it any or none. */
    readonly issuer?: string | undefined;
    /** An `aud` a token must carry (alone or in its list); without it any or none. */
    readonly audience?: string | undefined;
    /** How far `exp` and `nbf` may be off the server's clock. Default `DEFAULT_MAX_CLOCK_SKEW_SECONDS` (30). */
    readonly maxClockSkewSeconds?: number | undefined;
}
/**
 * Checks a token; resolves to why it is refused, or undefined when it is
 * valid. Never rejects.
 */
export declare const verifySignedBearer: (token: string, options: SignedBearerOptions) => Promise<string | undefined>;
//# sourceMappingURL=signedBearer.d.ts.map