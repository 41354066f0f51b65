// The DER writer and the certificates envtest makes, checked by an independent X.509 parser.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { derInteger, derOid, derTime, pem } from "../../src/envtest/der.ts";
import {
  createCertificateAuthority,
  generateKeyPair,
  issueCertificate,
  randomToken,
} from "../../src/envtest/pki.ts";

const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("envtest DER writer", () => {
  it("encodes integers, object identifiers and times as X.690 says", () => {
    assert.equal(hex(derInteger(new Uint8Array([0x80]))), "02020080");
    assert.equal(hex(derInteger(new Uint8Array([0, 0, 5]))), "020105");
    assert.equal(hex(derOid("1.2.840.10045.4.3.2")), "06082a8648ce3d040302");
    assert.equal(hex(derOid("2.5.29.17")), "0603551d11");
    // UTCTime until 2049, GeneralizedTime from 2050
    assert.equal(hex(derTime(new Date(Date.UTC(2030, 0, 2, 3, 4, 5)))).slice(0, 4), "170d");
    assert.equal(hex(derTime(new Date(Date.UTC(2050, 0, 1)))).slice(0, 4), "180f");
  });

  it("wraps PEM at 64 columns", () => {
    const text = pem("TEST", new Uint8Array(100));
    const lines = text.trim().split("\n");
    assert.equal(lines[0], "-----BEGIN TEST-----");
    assert.equal(lines.at(-1), "-----END TEST-----");
    assert.equal(lines[1]!.length, 64);
  });
});

describe("envtest certificates", () => {
  it("makes a CA and a serving certificate for 127.0.0.1 and localhost that verify", async () => {
    const ca = await createCertificateAuthority("kubeloop-envtest-ca");
    const serving = await issueCertificate(ca, {
      commonName: "kube-apiserver",
      usage: "server",
      ipAddresses: ["127.0.0.1"],
      dnsNames: ["localhost"],
    });
    const caCert = new X509Certificate(ca.certificatePem);
    const cert = new X509Certificate(serving.certificatePem);
    assert.equal(caCert.ca, true);
    assert.equal(cert.ca, false);
    assert.equal(caCert.verify(caCert.publicKey), true, "the CA is self-signed");
    assert.equal(cert.checkIssued(caCert), true);
    assert.equal(cert.verify(caCert.publicKey), true, "the CA's key signed the serving cert");
    assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(cert.checkHost("localhost"), "localhost");
    assert.equal(cert.checkHost("example.com"), undefined);
    assert.match(cert.subject, /CN=kube-apiserver/);
    const now = Date.now();
    assert.ok(Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo));
    // a different CA did not sign it
    const other = new X509Certificate((await createCertificateAuthority("other")).certificatePem);
    assert.equal(cert.verify(other.publicKey), false);
  });

  it("exports keys as PKCS#8 and SPKI PEM, and tokens are random", async () => {
    const pair = await generateKeyPair();
    assert.match(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
    const a = randomToken();
    assert.match(a, /^[0-9a-f]{48}$/);
    assert.notEqual(a, randomToken());
  });
});
