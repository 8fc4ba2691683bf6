/**
 * `process/start.networkProxy` as a raw client sends it: the reference's
 * required fields (a proxy enabled, SOCKS5 off, local binding off, full
 * mode), with the test's own laid over them.
 */
export const launchOf = (proxy: Record<string, unknown> = {}, launch: Record<string, unknown> = {}) => ({
  proxy: {
    enabled: true,
    enableSocks5: false,
    enableSocks5Udp: false,
    allowUpstreamProxy: false,
    dangerouslyAllowAllUnixSockets: false,
    mode: "full",
    allowLocalBinding: false,
    ...proxy
  },
  ...launch
})
