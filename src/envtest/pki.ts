/**
 * The certificates and keys a test control plane needs, made with WebCrypto
 * (ECDSA P-256) and the DER writer in `der.ts`: no `openssl` binary.
 *
 * - a CA (self-signed, `CA:TRUE`, signs certificates only),
 * - a serving certificate for kube-apiserver signed by it (SANs `127.0.0.1`,
 *   `localhost` and the in-cluster `kubernetes.default…` names),
 * - a service-account signing key pair.
 *
 * Keys are written as PKCS#8 (`PRIVATE KEY`) and public keys as SPKI
 * (`PUBLIC KEY`), which kube-apiserver reads for both TLS and service-account
 * tokens.
 *
 * @module
 */
import {
  type Der,
  derBitString,
  derBoolean,
  derContext,
  derInteger,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derSmallInteger,
  derTime,
  derUtf8String,
  pem,
} from "./der.ts";

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

const EC_KEY: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGN: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/**
 * A key pair with its PEM forms.
 *
 * @example
 * ```ts
 * import { generateKeyPair, type PemKeyPair } from "./pki.ts";
 * const pair: PemKeyPair = await generateKeyPair();
 * pair.privateKeyPem.startsWith("-----BEGIN PRIVATE KEY-----"); // true
 * ```
 */
export interface PemKeyPair {
  /** The WebCrypto keys (the private key signs certificates). */
  keys: CryptoKeyPair;
  /** PKCS#8 private key, PEM `PRIVATE KEY`. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo, PEM `PUBLIC KEY`. */
  publicKeyPem: string;
  /** SubjectPublicKeyInfo, DER (goes into certificates). */
  spki: Uint8Array;
}

/**
 * A fresh ECDSA P-256 key pair.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from "./pki.ts";
 * const { privateKeyPem, publicKeyPem } = await generateKeyPair();
 * ```
 */
export async function generateKeyPair(): Promise<PemKeyPair> {
  const keys = (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  return {
    keys,
    privateKeyPem: pem("PRIVATE KEY", pkcs8),
    publicKeyPem: pem("PUBLIC KEY", spki),
    spki,
  };
}

/** WebCrypto's ECDSA signature is r‖s; X.509 wants SEQUENCE { INTEGER r, INTEGER s }. */
function ecdsaSignatureToDer(raw: Uint8Array): Der {
  const half = raw.length / 2;
  return derSequence([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))]);
}

function name(commonName: string, organization?: string): Der {
  const rdns = [];
  if (organization) {
    rdns.push(derSet([derSequence([derOid(OID.organization), derUtf8String(organization)])]));
  }
  rdns.push(derSet([derSequence([derOid(OID.commonName), derUtf8String(commonName)])]));
  return derSequence(rdns);
}

function extension(oid: string, critical: boolean, value: Der): Der {
  const parts = [derOid(oid)];
  if (critical) parts.push(derBoolean(true));
  parts.push(derOctetString(value));
  return derSequence(parts);
}

/** KeyUsage bits (RFC 5280 §4.2.1.3), bit 0 is the highest bit of the first byte. */
function keyUsage(bits: number[]): Der {
  let value = 0;
  for (const b of bits) value |= 0x80 >> b;
  let unused = 0;
  while (unused < 8 && !(value & (1 << unused))) unused++;
  return derBitString(new Uint8Array([value]), unused === 8 ? 0 : unused);
}

const KU = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

async function keyId(spki: Uint8Array): Promise<Uint8Array> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", spki as BufferSource));
  return digest.subarray(0, 20);
}

function ipv4Bytes(ip: string): Uint8Array | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return new Uint8Array(parts.map(Number));
}

/**
 * What a certificate says about its subject.
 *
 * @example
 * ```ts
 * import { type CertificateRequest } from "./pki.ts";
 * const request: CertificateRequest = {
 *   commonName: "kube-apiserver",
 *   dnsNames: ["localhost"],
 *   ipAddresses: ["127.0.0.1"],
 *   usage: "server",
 * };
 * ```
 */
export interface CertificateRequest {
  /** Subject CN. */
  commonName: string;
  /** Subject O (a group, for client certificates). */
  organization?: string | undefined;
  /** `subjectAltName` DNS names. */
  dnsNames?: readonly string[] | undefined;
  /** `subjectAltName` IPv4 addresses. */
  ipAddresses?: readonly string[] | undefined;
  /** `"ca"` (signs certificates), `"server"` or `"client"`. */
  usage: "ca" | "server" | "client";
  /** Validity start (default: one hour ago, to allow for clock skew). */
  notBefore?: Date | undefined;
  /** Validity end (default: one year after `notBefore`). */
  notAfter?: Date | undefined;
}

/**
 * A certificate and its key pair.
 *
 * @example
 * ```ts
 * import { createCertificateAuthority, type IssuedCertificate } from "./pki.ts";
 * const ca: IssuedCertificate = await createCertificateAuthority("kubeloop-envtest-ca");
 * console.log(ca.certificatePem);
 * ```
 */
export interface IssuedCertificate {
  /** The certificate, PEM `CERTIFICATE`. */
  certificatePem: string;
  /** The certificate, DER. */
  certificateDer: Uint8Array;
  /** Its key pair. */
  key: PemKeyPair;
  /** The subject name, DER (the issuer name of what this certificate signs). */
  subject: Uint8Array;
}

async function issue(
  request: CertificateRequest,
  key: PemKeyPair,
  issuer: { subject: Uint8Array; key: PemKeyPair } | undefined,
): Promise<IssuedCertificate> {
  const notBefore = request.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = request.notAfter ?? new Date(notBefore.getTime() + 365 * 24 * 60 * 60 * 1000);
  const subject = name(request.commonName, request.organization);
  const signer = issuer ?? { subject, key };
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = serial[0]! & 0x7f;

  const extensions: Der[] = [];
  if (request.usage === "ca") {
    extensions.push(extension(OID.basicConstraints, true, derSequence([derBoolean(true)])));
    extensions.push(
      extension(OID.keyUsage, true, keyUsage([KU.digitalSignature, KU.keyCertSign, KU.cRLSign])),
    );
  } else {
    extensions.push(extension(OID.basicConstraints, true, derSequence([])));
    extensions.push(extension(OID.keyUsage, true, keyUsage([KU.digitalSignature])));
    const eku = request.usage === "server" ? OID.serverAuth : OID.clientAuth;
    extensions.push(extension(OID.extKeyUsage, false, derSequence([derOid(eku)])));
  }
  const names: Der[] = [];
  const enc = new TextEncoder();
  for (const dns of request.dnsNames ?? []) names.push(derContext(2, enc.encode(dns), false));
  for (const ip of request.ipAddresses ?? []) {
    const bytes = ipv4Bytes(ip);
    if (!bytes) throw new TypeError(`not an IPv4 address: ${ip}`);
    names.push(derContext(7, bytes, false));
  }
  if (names.length) extensions.push(extension(OID.subjectAltName, false, derSequence(names)));
  extensions.push(
    extension(OID.subjectKeyIdentifier, false, derOctetString(await keyId(key.spki))),
  );
  if (issuer) {
    extensions.push(
      extension(
        OID.authorityKeyIdentifier,
        false,
        derSequence([derContext(0, await keyId(issuer.key.spki), false)]),
      ),
    );
  }

  const algorithm = derSequence([derOid(OID.ecdsaWithSha256)]);
  const tbs = derSequence([
    derContext(0, derSmallInteger(2), true), // version v3
    derInteger(serial),
    algorithm,
    signer.subject,
    derSequence([derTime(notBefore), derTime(notAfter)]),
    subject,
    key.spki,
    derContext(3, derSequence(extensions), true),
  ]);
  const raw = new Uint8Array(
    await crypto.subtle.sign(SIGN, signer.key.keys.privateKey, tbs as BufferSource),
  );
  const certificateDer = derSequence([tbs, algorithm, derBitString(ecdsaSignatureToDer(raw))]);
  return {
    certificatePem: pem("CERTIFICATE", certificateDer),
    certificateDer,
    key,
    subject,
  };
}

/**
 * A new self-signed CA.
 *
 * @example
 * ```ts
 * import { createCertificateAuthority } from "./pki.ts";
 * const ca = await createCertificateAuthority("my-test-ca");
 * ```
 */
export async function createCertificateAuthority(commonName: string): Promise<IssuedCertificate> {
  return issue({ commonName, usage: "ca" }, await generateKeyPair(), undefined);
}

/**
 * A certificate signed by `ca`, with a fresh key.
 *
 * @example
 * ```ts
 * import { createCertificateAuthority, issueCertificate } from "./pki.ts";
 * const ca = await createCertificateAuthority("my-test-ca");
 * const serving = await issueCertificate(ca, {
 *   commonName: "kube-apiserver",
 *   dnsNames: ["localhost"],
 *   ipAddresses: ["127.0.0.1"],
 *   usage: "server",
 * });
 * ```
 */
export async function issueCertificate(
  ca: IssuedCertificate,
  request: CertificateRequest,
): Promise<IssuedCertificate> {
  return issue(request, await generateKeyPair(), { subject: ca.subject, key: ca.key });
}

/**
 * A random token (hex), for static token files.
 *
 * @example
 * ```ts
 * import { randomToken } from "./pki.ts";
 * randomToken().length; // 48
 * ```
 */
export function randomToken(bytes = 24): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
