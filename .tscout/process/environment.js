/** The variables `inherit: "core"` keeps. */
export const CORE_VARIABLES = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TERM", "TMPDIR"];
/** Names excluded unless `ignoreDefaultExcludes`: likely secrets. */
export const DEFAULT_EXCLUDES = ["*KEY*", "*SECRET*", "*TOKEN*"];
/** A case-insensitive wildcard pattern (`*` any run of characters, `?` one) as a matcher. */
export const wildcard = (pattern) => {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    const regex = new RegExp(`^${source}$`, "i");
    return (name) => regex.test(name);
};
const anyOf = (patterns) => {
    const matchers = patterns.map(wildcard);
    return (name) => matchers.some((matches) => matches(name));
};
/** Builds a child's environment from the server's environment, a policy and the request's `env`. */
export const buildEnvironment = (serverEnv, policy, requestEnv) => {
    if (policy === undefined)
        return { ...requestEnv };
    const result = {};
    const inherited = policy.inherit === "none"
        ? []
        : policy.inherit === "core"
            ? CORE_VARIABLES
            : Object.keys(serverEnv);
    for (const name of inherited) {
        const value = serverEnv[name];
        if (value !== undefined)
            result[name] = value;
    }
    const excluded = anyOf([...(policy.ignoreDefaultExcludes ? [] : DEFAULT_EXCLUDES), ...policy.exclude]);
    for (const name of Object.keys(result))
        if (excluded(name))
            delete result[name];
    Object.assign(result, policy.set);
    if (policy.includeOnly.length > 0) {
        const included = anyOf(policy.includeOnly);
        for (const name of Object.keys(result))
            if (!included(name))
                delete result[name];
    }
    return Object.assign(result, requestEnv);
};
//# sourceMappingURL=environment.js.map