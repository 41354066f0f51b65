/**
 * A seeded random source for reproducible tests (fault schedules, jitter,
 * generated workloads).
 *
 * @module
 */

/**
 * A small, fast, seeded PRNG (mulberry32) returning floats in [0, 1): the same
 * seed gives the same sequence on every runtime. Pass it wherever kubeloop takes
 * a `random` option so a failing run can be replayed from its seed.
 *
 * @example
 * ```ts
 * import { seededRandom } from "kubeloop/testing";
 * const random = seededRandom(42);
 * const first = random(); // the same value on every run with seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
