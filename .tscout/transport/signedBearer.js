/**
 * Signed bearer tokens (`--ws-auth signed-bearer-token`): an HS256 JWT,
 * signed with a secret the server and the token's issuer share, checked by
 * `jose`. Only HS256 is taken (never `none`, never another algorithm, so a
 * token cannot choose how it is checked); `exp` is required; `nbf` is
 * honoured; `iss` and `aud` are compared when the server is given them.
 */
import { jwtVerify } from "jose";
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from "./listenUrl.js";
export { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MIN_SHARED_SECRET_BYTES } from "./listenUrl.js";
/** What a refusal says in the log, from jose's error (never the token). */
const whyOf = (error) => {
    const { code, claim } = (error ?? {});
    switch (code) {
        case "ERR_JWT_EXPIRED":
            return "expired bearer token";
        case "ERR_JWT_CLAIM_VALIDATION_FAILED":
            return claim === "nbf"
                ? "bearer token not valid yet"
                : claim === "iss"
                    ? "bearer token of another issuer"
                    : claim === "aud"
                        ? "bearer token for another audience"
                        : claim === "exp"
                            ? "bearer token without exp"
                            : "invalid bearer token claims";
        case "ERR_JOSE_ALG_NOT_ALLOWED":
            return "bearer token not signed with HS256";
        case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
            return "bearer token with a wrong signature";
        default:
            return "malformed bearer token";
    }
};
/**
 * Checks a token; resolves to why it is refused, or undefined when it is
 * valid. Never rejects.
 */
export const verifySignedBearer = (token, options) => jwtVerify(token, options.secret, {
    algorithms: ["HS256"],
    requiredClaims: ["exp"],
    clockTolerance: options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience })
}).then(() => undefined, whyOf);
//# sourceMappingURL=signedBearer.js.map