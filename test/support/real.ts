// Which real API server (if any) this test run talks to.
//
// `npm test` starts one with `kubeloop/envtest` for its "real API server" step and passes it to the
// test processes through two variables holding kubeconfig paths (any kubeconfig works, so a developer
// can point a run at an existing cluster):
//   KUBELOOP_TEST_KUBECONFIG         an admin user (system:masters)
//   KUBELOOP_TEST_KUBECONFIG_UNPRIV  a user with no RBAC bindings (for 403 cases)
// KUBELOOP_CONFORMANCE_TARGETS (comma list of "in-process", "http", "real") picks the conformance
// targets; by default the fake server's two targets run, plus "real" when a kubeconfig is given.
import type { ClusterConfig } from "../../src/client/config.ts";
import { loadKubeconfigFile } from "../../src/client/kubeconfig.ts";

export const REAL_KUBECONFIG_ENV = "KUBELOOP_TEST_KUBECONFIG";
export const REAL_KUBECONFIG_UNPRIV_ENV = "KUBELOOP_TEST_KUBECONFIG_UNPRIV";
export const CONFORMANCE_TARGETS_ENV = "KUBELOOP_CONFORMANCE_TARGETS";

function env(name: string): string | undefined {
  const v = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[
    name
  ];
  return v === "" ? undefined : v;
}

/** The admin kubeconfig path of the real server this run uses, if any. */
export function realKubeconfigPath(): string | undefined {
  return env(REAL_KUBECONFIG_ENV);
}

/** Whether this run has a real API server. */
export function hasRealServer(): boolean {
  return realKubeconfigPath() !== undefined;
}

/** The real server's client config for the admin user or the unprivileged one. */
export async function realConfig(user: "admin" | "unprivileged" = "admin"): Promise<ClusterConfig> {
  const path = user === "admin" ? env(REAL_KUBECONFIG_ENV) : env(REAL_KUBECONFIG_UNPRIV_ENV);
  if (!path) {
    throw new Error(
      `no real API server for this run: set ${user === "admin" ? REAL_KUBECONFIG_ENV : REAL_KUBECONFIG_UNPRIV_ENV} to a kubeconfig (npm test does this in its "real API server" step)`,
    );
  }
  return loadKubeconfigFile(path);
}

export type ConformanceTarget = "in-process" | "http" | "real";

/** The conformance targets this run covers. */
export function conformanceTargets(): ConformanceTarget[] {
  const listed = env(CONFORMANCE_TARGETS_ENV);
  if (listed) {
    const all = ["in-process", "http", "real"] as const;
    const picked = listed.split(",").map((s) => s.trim());
    for (const p of picked) {
      if (!(all as readonly string[]).includes(p)) {
        throw new Error(`${CONFORMANCE_TARGETS_ENV}: unknown target ${JSON.stringify(p)}`);
      }
    }
    return all.filter((t) => picked.includes(t));
  }
  return hasRealServer() ? ["in-process", "http", "real"] : ["in-process", "http"];
}
