/** File URIs as the reference writes them on the wire. */

/** `url::Url::from_file_path`'s URI of an absolute path (the characters it escapes, upper-case hex). */
export const fileUri = (path: string): string =>
  "file://" +
  Array.from(Buffer.from(path, "utf8"))
    .map((byte) => {
      const char = String.fromCharCode(byte)
      return byte < 0x80 && /[A-Za-z0-9!$&'()*+,\-.:;=@[\]^_|~/]/.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
    })
    .join("")
