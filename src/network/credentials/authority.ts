/**
 * The certificate authority a process's proxy terminates TLS with when it
 * must put a credential back into a request (issue 47; docs/PROTOCOL.md,
 * "Credential masking"). As the reference's, it lives in this process only:
 * an ECDSA P-256 key made at the first need and never written; what is
 * written, under `$CODEX_HOME/proxy/`, is its certificate and the bundle a
 * child trusts (the system's roots, the CAs the server itself was told to
 * trust, and this one), removed when the process exits. Certificates are
 * made with PKI.js over WebCrypto; no ASN.1 of ours.
 */
import * as asn1js from "asn1js"
import { createHash, KeyObject, webcrypto, X509Certificate } from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Tls from "node:tls"
import * as pkijs from "pkijs"
import { ipBytes } from "../ipBytes.js"
import { CA_VARIABLES } from "./caVariables.js"

/** What a proxy needs of the authority. */
export interface MitmAuthority {
  /** The bundle the child is pointed at (system roots, the server's trusted CAs, this CA). */
  readonly bundlePath: string
  /** The TLS context presenting a certificate for `host` (a name or an IP address), made once per host. */
  readonly contextFor: (host: string) => Promise<Tls.SecureContext>
  /** The TLS context an intercepted request's real destination is checked with: the roots the bundle has, never this CA. */
  readonly upstreamContext: Tls.SecureContext
}


/** Where Linux distributions keep the system's roots, the first one found used (the reference's list). */
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/tls/cacert.pem",
  "/etc/ssl/cert.pem",
  "/opt/etc/ssl/certs/ca-certificates.crt",
  "/etc/ssl/certs/cacert.pem"
]

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const
/** Hosts whose certificates are kept; the oldest made goes first. */
const MAX_HOSTS = 256
const DAY_MS = 24 * 60 * 60 * 1000

const PEM_BLOCK = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g

/**
 * Collects the certificates of PEM files, each file read once and each
 * certificate parsed once (a machine's CA variables and `SSL_CERT_DIR`
 * often all name the system's bundle, of some 150): in order, normalized;
 * what does not parse is left out, as the reference leaves it.
 */
class RootCollector {
  private readonly files = new Set<string>()
  private readonly bodies = new Set<string>()
  readonly certificates: Array<string> = []
  addFile(path: string): void {
    let text: string
    try {
      const real = Fs.realpathSync(path)
      if (this.files.has(real)) return
      this.files.add(real)
      text = Fs.readFileSync(real, "utf8")
    } catch {
      return
    }
    for (const [block] of text.matchAll(PEM_BLOCK)) {
      const body = block.replace(/-----[^-]+-----|\s/g, "")
      if (this.bodies.has(body)) continue
      this.bodies.add(body)
      try {
        this.certificates.push(new X509Certificate(block.replace(/TRUSTED CERTIFICATE/g, "CERTIFICATE")).toString().trim())
      } catch {
        // Not a certificate Node can read: not one to trust.
      }
    }
  }
}

/** The system's roots (Node's own when the system has no bundle), then what the server was told to trust. */
const trustedRoots = (environment: Readonly<Record<string, string | undefined>>): Array<string> => {
  const roots = new RootCollector()
  const system = SYSTEM_BUNDLES.find((path) => Fs.existsSync(path))
  if (system === undefined) roots.certificates.push(...Tls.rootCertificates.map((pem) => pem.trim()))
  else roots.addFile(system)
  for (const name of CA_VARIABLES) {
    const path = environment[name]
    if (path !== undefined && path !== "") roots.addFile(path)
  }
  const directory = environment.SSL_CERT_DIR
  if (directory !== undefined && directory !== "") {
    try {
      for (const name of Fs.readdirSync(directory)) roots.addFile(Path.join(directory, name))
    } catch {
      // No such directory: nothing more to trust.
    }
  }
  return roots.certificates
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(new Uint8Array(der)).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END ${label}-----\n`

const commonName = (text: string) => {
  const name = new pkijs.RelativeDistinguishedNames()
  name.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: "2.5.4.3", value: new asn1js.Utf8String({ value: text }) }))
  return name
}

const extension = (extnID: string, critical: boolean, value: { toSchema(): asn1js.AsnType }) =>
  new pkijs.Extension({ extnID, critical, extnValue: value.toSchema().toBER(false) })

/**
 * A positive random serial of 16 bytes (126 random bits). Its first byte is
 * 0x40-0x7f: DER wants an INTEGER's minimal form, and asn1js writes the
 * bytes as given, so a first byte 0x00 before one below 0x80 (1 serial in
 * 256) made a certificate that OpenSSL refuses to load: a child's bundle
 * failed whole (curl: "error setting certificate file"), or a host's leaf.
 */
const serial = () => {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = 0x40 | (bytes[0]! & 0x3f)
  return new asn1js.Integer({ valueHex: bytes.buffer })
}

const keyUsage = (bits: number) => {
  // KeyUsage is a BIT STRING: bit 0 (digitalSignature) is the high bit of the first byte.
  const bytes = new Uint8Array([bits & 0xff, (bits >> 8) & 0xff])
  return { toSchema: () => new asn1js.BitString({ valueHex: bytes[1] === 0 ? bytes.slice(0, 1).buffer : bytes.buffer }) }
}
const DIGITAL_SIGNATURE = 0x80
const KEY_ENCIPHERMENT = 0x20
const KEY_CERT_SIGN = 0x04
const CRL_SIGN = 0x02

const keyIdentifierOf = async (certificate: pkijs.Certificate) =>
  new asn1js.OctetString({
    valueHex: new Uint8Array(
      createHash("sha1").update(Buffer.from(certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)).digest()
    ).buffer
  })

const makeCertificate = async (options: {
  readonly subject: string
  readonly issuer: pkijs.RelativeDistinguishedNames
  readonly publicKey: webcrypto.CryptoKey
  readonly signingKey: webcrypto.CryptoKey
  readonly validDays: number
  readonly extensions: (certificate: pkijs.Certificate) => Promise<Array<pkijs.Extension>>
}) => {
  const certificate = new pkijs.Certificate()
  certificate.version = 2
  certificate.serialNumber = serial()
  certificate.subject = commonName(options.subject)
  certificate.issuer = options.issuer
  // A day back: a child whose clock is a little behind still accepts it.
  certificate.notBefore.value = new Date(Date.now() - DAY_MS)
  certificate.notAfter.value = new Date(Date.now() + options.validDays * DAY_MS)
  await certificate.subjectPublicKeyInfo.importKey(pkiKey(options.publicKey), cryptoEngine)
  certificate.extensions = await options.extensions(certificate)
  await certificate.sign(pkiKey(options.signingKey), "SHA-256", cryptoEngine)
  return certificate
}

/**
 * Node's key as pkijs types it (the DOM's `CryptoKey`): the same object, but
 * @types/node for Node 24 knows key usages (`encapsulateBits`, ...) the DOM
 * typings do not yet.
 */
const pkiKey = (key: webcrypto.CryptoKey): PkiKey => key as unknown as PkiKey
type PkiKey = Parameters<pkijs.Certificate["sign"]>[0]

const cryptoEngine = new pkijs.CryptoEngine({ name: "node", crypto: webcrypto as unknown as pkijs.CryptoEngineParameters["crypto"] })

const privateKeyPem = (key: webcrypto.CryptoKey) => KeyObject.from(key).export({ type: "pkcs8", format: "pem" }).toString()

/** One CA for this process: its key, certificate and the leaf key every host's certificate shares. */
interface ProcessCa {
  readonly certificate: pkijs.Certificate
  readonly certificatePem: string
  readonly privateKey: webcrypto.CryptoKey
  readonly leafKeys: webcrypto.CryptoKeyPair
  readonly leafKeyPem: string
}

let processCa: Promise<ProcessCa> | undefined

const caOfThisProcess = (): Promise<ProcessCa> =>
  processCa ??= (async () => {
    const keys = await webcrypto.subtle.generateKey(ECDSA, true, ["sign", "verify"])
    const certificate = await makeCertificate({
      subject: "network_proxy MITM CA",
      issuer: commonName("network_proxy MITM CA"),
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      validDays: 3650,
      extensions: async (self) => [
        extension("2.5.29.19", true, new pkijs.BasicConstraints({ cA: true })),
        extension("2.5.29.15", true, keyUsage(DIGITAL_SIGNATURE | KEY_CERT_SIGN | CRL_SIGN)),
        new pkijs.Extension({ extnID: "2.5.29.14", critical: false, extnValue: (await keyIdentifierOf(self)).toBER(false) })
      ]
    })
    const leafKeys = await webcrypto.subtle.generateKey(ECDSA, true, ["sign", "verify"])
    return {
      certificate,
      certificatePem: pem("CERTIFICATE", certificate.toSchema().toBER(false)),
      privateKey: keys.privateKey,
      leafKeys,
      leafKeyPem: privateKeyPem(leafKeys.privateKey)
    }
  })()

/** A host's certificate from the CA: its name (or address) as the only subject alternative name. */
const leafFor = async (ca: ProcessCa, host: string): Promise<string> => {
  const ip = Net.isIP(host)
  const altName = ip === 0
    ? new pkijs.GeneralName({ type: 2, value: host })
    : new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: new Uint8Array(ipBytes(host)).buffer }) })
  const caKeyId = await keyIdentifierOf(ca.certificate)
  const certificate = await makeCertificate({
    subject: host,
    issuer: ca.certificate.subject,
    publicKey: ca.leafKeys.publicKey,
    signingKey: ca.privateKey,
    validDays: 365,
    extensions: async () => [
      extension("2.5.29.19", true, new pkijs.BasicConstraints({ cA: false })),
      extension("2.5.29.15", true, keyUsage(DIGITAL_SIGNATURE | KEY_ENCIPHERMENT)),
      extension("2.5.29.37", false, new pkijs.ExtKeyUsage({ keyPurposes: ["1.3.6.1.5.5.7.3.1"] })),
      extension("2.5.29.17", false, new pkijs.AltName({ altNames: [altName] })),
      extension("2.5.29.35", false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: caKeyId }))
    ]
  })
  return pem("CERTIFICATE", certificate.toSchema().toBER(false))
}

/** Writes `text` to `path` whole (a temporary file renamed over it), readable by all: the child's tools read it. */
const writeWhole = (path: string, text: string) => {
  const temporary = `${path}.tmp.${process.pid}`
  Fs.writeFileSync(temporary, text, { mode: 0o644 })
  Fs.renameSync(temporary, path)
}

/** Files this process wrote, removed when it exits. */
const written = new Set<string>()
let removalHooked = false
const removeAtExit = (path: string) => {
  written.add(path)
  if (removalHooked) return
  removalHooked = true
  process.once("exit", () => {
    for (const file of written) Fs.rmSync(file, { force: true })
  })
}

const authorities = new Map<string, Promise<MitmAuthority>>()

/** The process's authority with its files under `codexHome/proxy`, made once per directory. */
export const authorityFor = (
  codexHome: string,
  environment: Readonly<Record<string, string | undefined>>
): Promise<MitmAuthority> => {
  const existing = authorities.get(codexHome)
  if (existing !== undefined) return existing
  const made = (async (): Promise<MitmAuthority> => {
    const ca = await caOfThisProcess()
    const directory = Path.join(codexHome, "proxy")
    Fs.mkdirSync(directory, { recursive: true, mode: 0o700 })
    const digest = (text: string) => createHash("sha256").update(text).digest("hex")
    const caPath = Path.join(directory, `ca-${digest(ca.certificatePem)}.pem`)
    writeWhole(caPath, ca.certificatePem)
    removeAtExit(caPath)
    const upstreamRoots = trustedRoots(environment)
    const bundle = `${upstreamRoots.join("\n")}\n${ca.certificatePem}`
    const bundlePath = Path.join(directory, `ca-bundle-${digest(bundle)}.pem`)
    writeWhole(bundlePath, bundle)
    removeAtExit(bundlePath)
    const contexts = new Map<string, Promise<Tls.SecureContext>>()
    // Made once, with the first request looked into: a context of some 150 roots takes tens of milliseconds.
    let upstreamContext: Tls.SecureContext | undefined
    return {
      bundlePath,
      get upstreamContext() {
        return upstreamContext ??= Tls.createSecureContext({ ca: upstreamRoots })
      },
      contextFor: (host) => {
        const known = contexts.get(host)
        if (known !== undefined) return known
        const context = leafFor(ca, host).then((leaf) => Tls.createSecureContext({ cert: leaf + ca.certificatePem, key: ca.leafKeyPem }))
        contexts.set(host, context)
        context.catch(() => contexts.delete(host))
        if (contexts.size > MAX_HOSTS) contexts.delete(contexts.keys().next().value!)
        return context
      }
    }
  })()
  authorities.set(codexHome, made)
  made.catch(() => authorities.delete(codexHome))
  return made
}
