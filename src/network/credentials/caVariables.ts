/** Where a child's tools look for the CAs they trust. */

/** The variables the child's tools read a CA bundle from, each set to ours (the reference's eleven). */
export const CA_VARIABLES = [
  "CODEX_CA_CERTIFICATE",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "NODE_EXTRA_CA_CERTS",
  "GIT_SSL_CAINFO",
  "PIP_CERT",
  "BUNDLE_SSL_CA_CERT",
  "npm_config_cafile",
  "NPM_CONFIG_CAFILE",
  "CARGO_HTTP_CAINFO"
] as const
