/**
 * What a process started with a managed proxy finds in its environment
 * (probed on the reference, codex 0.169): every proxy variable that common
 * tools read points at its own proxy, and these override the client's values.
 */

/** Variables set to the HTTP proxy's URL. */
const HTTP_PROXY_VARIABLES = [
  "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
  "WS_PROXY", "WSS_PROXY", "ws_proxy", "wss_proxy",
  "npm_config_http_proxy", "npm_config_https_proxy", "npm_config_proxy",
  "NPM_CONFIG_HTTP_PROXY", "NPM_CONFIG_HTTPS_PROXY", "NPM_CONFIG_PROXY",
  "YARN_HTTP_PROXY", "YARN_HTTPS_PROXY",
  "BUNDLE_HTTP_PROXY", "BUNDLE_HTTPS_PROXY",
  "DOCKER_HTTP_PROXY", "DOCKER_HTTPS_PROXY",
  "PIP_PROXY"
] as const

/** Variables set to the SOCKS5 proxy's URL (the HTTP proxy's without SOCKS5). */
const ALL_PROXY_VARIABLES = ["ALL_PROXY", "all_proxy", "FTP_PROXY", "ftp_proxy"] as const

/** The proxy-bypass lists: empty, or the local ranges when local binding is allowed. */
const NO_PROXY_VARIABLES = ["NO_PROXY", "no_proxy", "BUNDLE_NO_PROXY", "NPM_CONFIG_NOPROXY", "npm_config_noproxy"] as const

/** What bypasses the proxy when local binding is allowed (so local traffic makes no decision). */
export const LOCAL_NO_PROXY = "localhost,127.0.0.1,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"

/**
 * The environment a process's proxies give it: ports on 127.0.0.1 (SOCKS5's
 * when it is on), each URL with the process's credential (**ours**: the
 * reference's carry none), which the tools send as `Proxy-Authorization` or
 * SOCKS5's username/password.
 */
export const proxyEnvironment = (options: {
  readonly httpPort: number
  readonly socksPort: number | undefined
  readonly allowLocalBinding: boolean
  readonly credential: { readonly username: string; readonly password: string }
}): Record<string, string> => {
  const userInfo = `${encodeURIComponent(options.credential.username)}:${encodeURIComponent(options.credential.password)}@`
  const http = `http://${userInfo}127.0.0.1:${options.httpPort}`
  const all = options.socksPort === undefined ? http : `socks5h://${userInfo}127.0.0.1:${options.socksPort}`
  const noProxy = options.allowLocalBinding ? LOCAL_NO_PROXY : ""
  const environment: Record<string, string> = {}
  for (const name of HTTP_PROXY_VARIABLES) environment[name] = http
  for (const name of ALL_PROXY_VARIABLES) environment[name] = all
  for (const name of NO_PROXY_VARIABLES) environment[name] = noProxy
  environment.NODE_USE_ENV_PROXY = "1"
  environment.ELECTRON_GET_USE_PROXY = "true"
  environment.CODEX_NETWORK_PROXY_ACTIVE = "1"
  environment.CODEX_NETWORK_ALLOW_LOCAL_BINDING = options.allowLocalBinding ? "1" : "0"
  return environment
}
