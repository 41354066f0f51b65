/**
 * A small DER writer: just the ASN.1 types an X.509 certificate needs
 * (ITU-T X.690). Every function returns the complete encoding of one value
 * (tag, length, contents), so values nest by plain composition.
 *
 * @module
 */
import { concatBytes } from "../util/bytes.ts";

/**
 * One encoded ASN.1 value.
 *
 * @example
 * ```ts
 * import { derSequence, derInteger, type Der } from "./der.ts";
 * const value: Der = derSequence([derInteger(new Uint8Array([1]))]);
 * ```
 */
export type Der = Uint8Array;

function lengthBytes(length: number): Uint8Array {
  if (length < 0x80) return new Uint8Array([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

/**
 * Encode `contents` under `tag` (a full identifier octet, e.g. `0x30`).
 *
 * @example
 * ```ts
 * import { derTlv } from "./der.ts";
 * derTlv(0x05, new Uint8Array()); // NULL: 05 00
 * ```
 */
export function derTlv(tag: number, contents: Uint8Array): Der {
  return concatBytes([new Uint8Array([tag]), lengthBytes(contents.byteLength), contents]);
}

/**
 * SEQUENCE of already encoded values.
 *
 * @example
 * ```ts
 * import { derSequence, derNull } from "./der.ts";
 * derSequence([derNull()]); // 30 02 05 00
 * ```
 */
export function derSequence(items: readonly Der[]): Der {
  return derTlv(0x30, concatBytes([...items]));
}

/**
 * SET of already encoded values (the caller keeps DER's sort order; X.509
 * names here hold one value per set).
 *
 * @example
 * ```ts
 * import { derSet, derNull } from "./der.ts";
 * derSet([derNull()]); // 31 02 05 00
 * ```
 */
export function derSet(items: readonly Der[]): Der {
  return derTlv(0x31, concatBytes([...items]));
}

/**
 * A non-negative INTEGER from big-endian magnitude bytes (leading zeros are
 * trimmed; a zero byte is added when the high bit is set).
 *
 * @example
 * ```ts
 * import { derInteger } from "./der.ts";
 * derInteger(new Uint8Array([0x80])); // 02 02 00 80
 * ```
 */
export function derInteger(magnitude: Uint8Array): Der {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let bytes = magnitude.subarray(start);
  if (bytes.length === 0) bytes = new Uint8Array([0]);
  if (bytes[0]! & 0x80) bytes = concatBytes([new Uint8Array([0]), bytes]);
  return derTlv(0x02, bytes);
}

/**
 * A small non-negative INTEGER.
 *
 * @example
 * ```ts
 * import { derSmallInteger } from "./der.ts";
 * derSmallInteger(2); // 02 01 02 (X.509 v3)
 * ```
 */
export function derSmallInteger(value: number): Der {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return derInteger(new Uint8Array(bytes));
}

/**
 * OBJECT IDENTIFIER from its dotted form.
 *
 * @example
 * ```ts
 * import { derOid } from "./der.ts";
 * derOid("2.5.4.3"); // commonName: 06 03 55 04 03
 * ```
 */
export function derOid(dotted: string): Der {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const group: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) {
      group.unshift((n & 0x7f) | 0x80);
    }
    out.push(...group);
  }
  return derTlv(0x06, new Uint8Array(out));
}

/**
 * NULL.
 *
 * @example
 * ```ts
 * import { derNull } from "./der.ts";
 * derNull(); // 05 00
 * ```
 */
export function derNull(): Der {
  return derTlv(0x05, new Uint8Array());
}

/**
 * BOOLEAN.
 *
 * @example
 * ```ts
 * import { derBoolean } from "./der.ts";
 * derBoolean(true); // 01 01 ff
 * ```
 */
export function derBoolean(value: boolean): Der {
  return derTlv(0x01, new Uint8Array([value ? 0xff : 0]));
}

/**
 * BIT STRING with no unused bits.
 *
 * @example
 * ```ts
 * import { derBitString } from "./der.ts";
 * derBitString(new Uint8Array([0xa0])); // 03 02 00 a0
 * ```
 */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Der {
  return derTlv(0x03, concatBytes([new Uint8Array([unusedBits]), bytes]));
}

/**
 * OCTET STRING.
 *
 * @example
 * ```ts
 * import { derOctetString } from "./der.ts";
 * derOctetString(new Uint8Array([1, 2])); // 04 02 01 02
 * ```
 */
export function derOctetString(bytes: Uint8Array): Der {
  return derTlv(0x04, bytes);
}

/**
 * UTF8String.
 *
 * @example
 * ```ts
 * import { derUtf8String } from "./der.ts";
 * derUtf8String("kubeloop");
 * ```
 */
export function derUtf8String(text: string): Der {
  return derTlv(0x0c, new TextEncoder().encode(text));
}

/**
 * A time as X.509 wants it: UTCTime up to 2049, GeneralizedTime from 2050.
 *
 * @example
 * ```ts
 * import { derTime } from "./der.ts";
 * derTime(new Date(Date.UTC(2030, 0, 1))); // UTCTime "300101000000Z"
 * ```
 */
export function derTime(date: Date): Der {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const year = date.getUTCFullYear();
  const rest =
    p(date.getUTCMonth() + 1) +
    p(date.getUTCDate()) +
    p(date.getUTCHours()) +
    p(date.getUTCMinutes()) +
    p(date.getUTCSeconds()) +
    "Z";
  const enc = new TextEncoder();
  if (year >= 1950 && year < 2050) return derTlv(0x17, enc.encode(p(year % 100) + rest));
  return derTlv(0x18, enc.encode(p(year, 4) + rest));
}

/**
 * Context-specific tag `[n]`: constructed (EXPLICIT, wrapping a whole value)
 * or primitive (IMPLICIT, raw contents).
 *
 * @example
 * ```ts
 * import { derContext, derSmallInteger } from "./der.ts";
 * derContext(0, derSmallInteger(2), true); // [0] EXPLICIT INTEGER 2: a0 03 02 01 02
 * ```
 */
export function derContext(n: number, contents: Uint8Array, constructed: boolean): Der {
  return derTlv((constructed ? 0xa0 : 0x80) | n, contents);
}

/**
 * PEM armour for DER bytes.
 *
 * @example
 * ```ts
 * import { pem } from "./der.ts";
 * declare const certDer: Uint8Array;
 * const text = pem("CERTIFICATE", certDer); // "-----BEGIN CERTIFICATE-----\n..."
 * ```
 */
export function pem(label: string, der: Uint8Array): string {
  let binary = "";
  for (const b of der) binary += String.fromCharCode(b);
  const b64 = btoa(binary);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
