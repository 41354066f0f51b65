// Shared by the envtest cluster tests: are the binaries here, and must they be?
import { BinaryNotFoundError, ENVTEST_ENV, findBinaries } from "../../src/envtest/mod.ts";

function env(name: string): string | undefined {
  const v = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[
    name
  ];
  return v === "" ? undefined : v;
}

/** `KUBELOOP_ENVTEST_REQUIRED=1` (CI): missing binaries fail the run instead of being reported. */
export const envtestRequired: boolean = env(ENVTEST_ENV.required) === "1";

/**
 * Whether etcd and kube-apiserver can be found (and, if not, the lookup error). The cluster
 * tests run only when they can; otherwise a test with a NOT RUN title says so in the output.
 */
export async function binariesAvailable(): Promise<
  { ok: true } | { ok: false; error: BinaryNotFoundError }
> {
  try {
    await findBinaries();
    return { ok: true };
  } catch (err) {
    if (err instanceof BinaryNotFoundError) return { ok: false, error: err };
    throw err;
  }
}

/** Bounded polling for I/O. */
export async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** The title of the test that stands in for cluster tests that cannot run here. */
export const NOT_RUN_TITLE: string =
  "NOT RUN: the envtest cluster tests need etcd and kube-apiserver (bash scripts/envtest/install.sh, " +
  "or KUBEBUILDER_ASSETS); checking that startTestCluster says so";
