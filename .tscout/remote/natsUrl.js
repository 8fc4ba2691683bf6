/**
 * The `nats://` address of an environment, parsed without loading the NATS
 * client (the command line checks its arguments before connecting anywhere).
 */
/** Environment and stream ids are single subject tokens: no dots, wildcards or spaces. */
export const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
/** Whether a name can be an environment or stream id (one subject token). */
export const isToken = (name) => TOKEN.test(name);
/** What is wrong with an environment id, if anything. */
export const environmentIdProblem = (id) => isToken(id) ? undefined : `environment id ${JSON.stringify(id)} must be 1-64 of A-Z a-z 0-9 _ -`;
/** `nats://HOST:PORT[,nats://HOST:PORT...]/ENVIRONMENT_ID` (or `nats://H1:P1,H2:P2/ID`) as servers and an id. */
export const parseUrl = (url) => {
    if (!url.startsWith("nats://"))
        return `${url} is not a nats:// URL`;
    const slash = url.lastIndexOf("/");
    if (slash < "nats://".length)
        return `${url} names no environment: nats://HOST:PORT/ENVIRONMENT_ID`;
    const environmentId = url.slice(slash + 1);
    const problem = environmentIdProblem(environmentId);
    if (problem !== undefined)
        return problem;
    const servers = url.slice(0, slash).split(",").map((server) => server.trim()).filter((server) => server !== "")
        .map((server) => server.startsWith("nats://") ? server : `nats://${server}`);
    if (servers.some((server) => server === "nats://"))
        return `${url} names no server`;
    return { servers, environmentId };
};
//# sourceMappingURL=natsUrl.js.map