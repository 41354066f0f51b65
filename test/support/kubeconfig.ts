// A kubeconfig for tests that run a CLI against a fake API server (Node-only test files).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `<dir>/config`: one context "fake" pointing at `server` with a bearer token. Returns its path. */
export function writeFakeKubeconfig(dir: string, server: string, token = "t0ken"): string {
  const path = join(dir, "config");
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "fake",
      clusters: [{ name: "fake", cluster: { server } }],
      users: [{ name: "me", user: { token } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "me" } }],
    }),
  );
  return path;
}
