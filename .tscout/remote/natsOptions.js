/**
 * How to reach a NATS cluster (servers, credentials, TLS, timeouts), as
 * plain types: the public modules' declarations name these without loading
 * nats.js's types (which do not compile under `exactOptionalPropertyTypes`
 * with `skipLibCheck: false`).
 */
import * as Data from "effect/Data";
/** The cluster could not be reached, refused the credentials, or a credential file could not be read. */
export class NatsConnectError extends Data.TaggedError("RemoteNatsConnectError") {
}
//# sourceMappingURL=natsOptions.js.map