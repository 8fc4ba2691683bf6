import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** A CA of a test's and one leaf it signed: the files' paths. */
export interface TestCertificates {
  readonly caFile: string
  readonly keyFile: string
  readonly certFile: string
}

const openssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { stdio: "ignore" })

/**
 * Makes, with openssl in `directory`, an ECDSA CA named `caName` and a leaf
 * for `commonName` signed by it, valid for `subjectAltName` (a real CA: the
 * reference refuses a self-signed leaf that is its own CA).
 */
export const makeTestCertificates = (
  directory: string,
  options: { readonly caName: string; readonly commonName: string; readonly subjectAltName: string; readonly leaf?: string }
): TestCertificates => {
  const file = (name: string) => Path.join(directory, name)
  const leaf = options.leaf ?? "leaf"
  Fs.writeFileSync(file("ext.cnf"), `[leaf]\nbasicConstraints=CA:FALSE\nsubjectAltName=${options.subjectAltName}\nextendedKeyUsage=serverAuth\n`)
  openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file("ca.key"))
  openssl("req", "-x509", "-new", "-key", file("ca.key"), "-out", file("ca.pem"), "-days", "2", "-subj", `/CN=${options.caName}`, "-config", "/dev/null", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
  openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file(`${leaf}.key`))
  openssl("req", "-new", "-key", file(`${leaf}.key`), "-out", file(`${leaf}.csr`), "-subj", `/CN=${options.commonName}`, "-config", "/dev/null")
  openssl("x509", "-req", "-in", file(`${leaf}.csr`), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-out", file(`${leaf}.pem`), "-days", "2", "-extfile", file("ext.cnf"), "-extensions", "leaf")
  return { caFile: file("ca.pem"), keyFile: file(`${leaf}.key`), certFile: file(`${leaf}.pem`) }
}

/** A self-signed certificate for `name` that no test CA signed (an upstream the server must not trust). */
export const makeSelfSigned = (directory: string, name: string): { readonly keyFile: string; readonly certFile: string } => {
  const keyFile = Path.join(directory, `${name}.key`)
  const certFile = Path.join(directory, `${name}.pem`)
  openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyFile)
  openssl("req", "-x509", "-new", "-key", keyFile, "-out", certFile, "-days", "2", "-subj", `/CN=${name}`, "-config", "/dev/null", "-addext", `subjectAltName=DNS:${name}`)
  return { keyFile, certFile }
}
