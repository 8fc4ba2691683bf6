import * as Either from "effect/Either";
import * as Schema from "effect/Schema";
import * as SchemaAST from "effect/SchemaAST";
const codecs = new WeakMap();
/** The codecs of `rpc`, derived on its first use. */
export const codecOf = (rpc) => {
    let codec = codecs.get(rpc);
    if (codec === undefined) {
        const payload = rpc.payloadSchema;
        const success = rpc.successSchema;
        codec = {
            decodePayload: Schema.decodeUnknownEither(payload, { errors: "all" }),
            encodePayload: Schema.encodeEither(payload),
            decodeSuccess: Schema.decodeUnknownEither(success),
            // A result whose schema has no transformation or refinement (its encoded
            // form is itself) is already in wire form, and its type was checked when
            // the handler was compiled: walking 20,000 directory entries to confirm
            // that took longer than listing them.
            encodeSuccess: SchemaAST.encodedAST(success.ast) === success.ast
                ? Either.right
                : Schema.encodeEither(success)
        };
        codecs.set(rpc, codec);
    }
    return codec;
};
//# sourceMappingURL=RpcCodecs.js.map