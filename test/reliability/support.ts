// Shared helpers of the reliability suite (not a test file).
import type { Parameters } from "fast-check";

export { seededRandom as prng } from "../../src/testing/random.ts";

type Env = { env?: Record<string, string | undefined> };

/** An environment variable, on Node, Deno (with -A) and Bun alike. */
export function env(name: string): string | undefined {
  const proc = (globalThis as { process?: Env }).process;
  return proc?.env?.[name];
}

/** Which runtime runs the tests. */
export function runtimeName(): "node" | "deno" | "bun" {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/**
 * fast-check parameters: `numRuns` (scaled by FC_RUNS_FACTOR), and FC_SEED /
 * FC_PATH to replay a reported failure.
 */
export function fcParams<T>(numRuns: number): Parameters<T> {
  const factor = Number(env("FC_RUNS_FACTOR") ?? "1");
  const p: Parameters<T> = { numRuns: Math.max(1, Math.round(numRuns * factor)) };
  const seed = env("FC_SEED");
  if (seed !== undefined) p.seed = Number(seed);
  const path = env("FC_PATH");
  if (path !== undefined) p.path = path;
  return p;
}
