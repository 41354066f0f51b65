/**
 * Rendezvous (highest-random-weight) hashing and the names of shard
 * membership leases: the pure functions sharding is built on.
 *
 * @module
 */

/**
 * Label that marks a shard membership lease with its group.
 *
 * @example
 * ```ts
 * import { type KubeClient, Leases, SHARD_GROUP_LABEL } from "kubeloop";
 * declare const client: KubeClient;
 * const members = await client.listAll(Leases, {
 *   namespace: "kube-system",
 *   labelSelector: `${SHARD_GROUP_LABEL}=my-controller`,
 * });
 * ```
 */
export const SHARD_GROUP_LABEL = "kubeloop.dev/shard-group";

const encoder = new TextEncoder();

/**
 * FNV-1a 32-bit hash of the UTF-8 bytes of `s`. Fast, non-cryptographic, the
 * same on every runtime.
 *
 * @example
 * ```ts
 * import { fnv1a32 } from "kubeloop";
 * fnv1a32("");  // 0x811c9dc5
 * fnv1a32("a"); // 0xe40c292c
 * ```
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  } else {
    for (const b of encoder.encode(s)) {
      h ^= b;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: spreads FNV's weak high bits. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The rendezvous weight of `key` on `member`.
 *
 * @example
 * ```ts
 * import { rendezvousScore } from "kubeloop";
 * rendezvousScore("pod-a", "default/web") !== rendezvousScore("pod-b", "default/web");
 * ```
 */
export function rendezvousScore(member: string, key: string): number {
  return mix32(fnv1a32(`${member}\n${key}`));
}

/**
 * The member that owns `key` by rendezvous hashing: the highest
 * {@link rendezvousScore} (ties go to the smaller identity). `undefined`
 * when there are no members.
 *
 * @example
 * ```ts
 * import { rendezvousOwner } from "kubeloop";
 * rendezvousOwner("default/web", ["pod-a", "pod-b", "pod-c"]); // one of them, the same everywhere
 * ```
 */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const m of members) {
    const s = rendezvousScore(m, key);
    if (s > bestScore || (s === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = s;
    }
  }
  return best;
}

/** `s` made a DNS label (lower case, `[a-z0-9-]`), with a hash suffix when it had to change. */
export function dnsLabelSafe(s: string, max: number): string {
  let out = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (out !== s || out.length > max) {
    const suffix = fnv1a32(s).toString(16).padStart(8, "0");
    out = `${out.slice(0, Math.max(0, max - 9)).replace(/-+$/g, "")}-${suffix}`.replace(/^-+/, "");
  }
  return out || "x";
}

/**
 * The name of a member's lease: `<group>-shard-<identity>`, made DNS-safe
 * (lower case, invalid characters replaced, a hash suffix when it had to
 * change or shorten).
 *
 * @example
 * ```ts
 * import { shardLeaseName } from "kubeloop";
 * shardLeaseName("my-controller", "pod-a"); // "my-controller-shard-pod-a"
 * ```
 */
export function shardLeaseName(group: string, identity: string): string {
  const prefix = `${dnsLabelSafe(group, 120)}-shard-`;
  return `${prefix}${dnsLabelSafe(identity, 253 - prefix.length)}`;
}
