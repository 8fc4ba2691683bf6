/**
 * How a network the client manages is read from a start's environment
 * (network/clientProxies.ts): which variables count, how their values name
 * an endpoint, and which starts are refused, as the reference reads them
 * (the integration test clientManagedNetwork.test.ts runs both servers).
 */
import { describe, expect, it } from "vitest"
import { CLIENT_PROXY_REFUSALS, clientProxies } from "../../src/network/clientProxies.js"

describe("clientProxies", () => {
  it("bridges each loopback port its proxy variables name once, whatever their case, and finds ALL_PROXY's SOCKS5 port", () => {
    const environment = {
      ALL_PROXY: "socks5h://127.0.0.1:7001",
      HTTP_PROXY: "http://localhost:7002",
      https_proxy: "http://127.0.0.1:7002/",
      NPM_CONFIG_PROXY: "127.0.0.1:7004",
      NO_PROXY: "localhost",
      FOO_PROXY: "http://127.0.0.1:7009",
      PATH: "/usr/bin"
    }
    expect(clientProxies(environment, [7001, 7002, 7004, 7005], true)).toEqual({ ports: [7001, 7002, 7004], socksPort: 7001 })
    expect(clientProxies(environment, [7001, 7002, 7004], false)).toEqual({ ports: [7001, 7002, 7004] })
  })

  it("takes a scheme's default port, `socks5` as well as `socks5h`, and credentials in the URL", () => {
    expect(clientProxies({ ALL_PROXY: "socks5://user:pw@127.0.0.1" }, [1080], true)).toEqual({ ports: [1080], socksPort: 1080 })
    expect(clientProxies({ HTTPS_PROXY: "https://127.0.0.1", HTTP_PROXY: "http://127.0.0.1" }, [80, 443], false)).toEqual({ ports: [80, 443] })
  })

  it("leaves a variable naming another host alone when another names a loopback endpoint", () => {
    expect(clientProxies({ ALL_PROXY: "socks5h://127.0.0.1:7001", HTTP_PROXY: "http://proxy.example:3128" }, [7001], true))
      .toEqual({ ports: [7001], socksPort: 7001 })
  })

  it.each([
    [{}, [7001], false, CLIENT_PROXY_REFUSALS.noVariables],
    [{ ALL_PROXY: "  " }, [7001], false, CLIENT_PROXY_REFUSALS.noVariables],
    [{ ALL_PROXY: "socks5h://10.9.9.9:7001" }, [7001], false, CLIENT_PROXY_REFUSALS.noLoopbackEndpoint],
    [{ ALL_PROXY: "socks5h://[::1]:7001" }, [7001], false, CLIENT_PROXY_REFUSALS.noLoopbackEndpoint],
    [{ ALL_PROXY: "socks5h://127.0.0.1:0" }, [0], false, CLIENT_PROXY_REFUSALS.noLoopbackEndpoint],
    [{ ALL_PROXY: "not a url at all:x" }, [7001], false, CLIENT_PROXY_REFUSALS.noLoopbackEndpoint],
    [{ ALL_PROXY: "socks5h://127.0.0.1:7001", HTTP_PROXY: "http://127.0.0.1:7002" }, [7001], false, CLIENT_PROXY_REFUSALS.outsideContext],
    [{ ALL_PROXY: "socks5h://127.0.0.1:7001" }, [], false, CLIENT_PROXY_REFUSALS.outsideContext],
    [{ HTTP_PROXY: "http://127.0.0.1:7002" }, [7002], true, CLIENT_PROXY_REFUSALS.noSocks5],
    [{ ALL_PROXY: "http://127.0.0.1:7002" }, [7002], true, CLIENT_PROXY_REFUSALS.noSocks5],
    [{ all_proxy: "socks5h://127.0.0.1:7001" }, [7001], true, CLIENT_PROXY_REFUSALS.noSocks5],
    [{ ALL_PROXY: "socks4://127.0.0.1:7001" }, [7001], true, CLIENT_PROXY_REFUSALS.noSocks5]
  ])("refuses %j with loopbackPorts %j (transparent: %j)", (environment, ports, transparent, words) => {
    expect(clientProxies(environment, ports, transparent)).toBe(words)
  })
})
