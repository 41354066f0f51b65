// Started by test/envtest/exit.test.ts in a child process of the same runtime: starts a cluster
// (binaries from the environment's lookup; the test points KUBEBUILDER_ASSETS at stand-ins),
// prints its process ids and directories as one JSON line, and never calls stop().
//   argv "exit":    exits at once (the process exit hook must clean up)
//   argv "signal":  waits until the parent sends SIGTERM (the signal hook must clean up)
import process from "node:process";
import { startTestCluster } from "../../../src/envtest/mod.ts";

const mode = process.argv.at(-1);
const cluster = await startTestCluster({ existingCluster: false });
const plane = cluster.controlPlane!;
process.stdout.write(`${JSON.stringify({ pids: plane.pids, dirs: plane.dirs })}\n`);
if (mode === "exit") {
  process.exit(0);
} else {
  setInterval(() => {}, 60_000); // keep running until a signal arrives
}
