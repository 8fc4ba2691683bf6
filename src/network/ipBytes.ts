/** IP addresses as bytes, as SOCKS5 replies and certificates' subject alternative names carry them. */

/** An IPv6 address's 16 bytes (`::` and a trailing IPv4 part expanded). */
export const ipv6Bytes = (address: string): Buffer => {
  const groupsOf = (part: string): Array<number> =>
    part === "" ? [] : part.split(":").flatMap((group) => {
      if (!group.includes(".")) return [Number.parseInt(group, 16)]
      const [a, b, c, d] = group.split(".").map(Number) as [number, number, number, number]
      return [(a << 8) | b, (c << 8) | d]
    })
  const [head = "", tail] = address.split("%")[0]!.split("::")
  const left = groupsOf(head)
  const right = tail === undefined ? [] : groupsOf(tail)
  const groups = [...left, ...Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0), ...right]
  const bytes = Buffer.alloc(16)
  groups.slice(0, 8).forEach((group, index) => bytes.writeUInt16BE(group, index * 2))
  return bytes
}

/** An IPv4 address's 4 bytes or an IPv6 address's 16. */
export const ipBytes = (address: string): Buffer =>
  address.includes(":") ? ipv6Bytes(address) : Buffer.from(address.split(".").map(Number))
