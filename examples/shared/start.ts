/**
 * Start the mirror controller and report what it does, one line per action:
 * the part every runtime's entry shares. The entries only build the client
 * and the stop signal.
 *
 * @module
 */
import type { KubeClient } from "../../src/mod.ts";
import { createMirror } from "./mirror.ts";

/** Options of {@link startMirror}. */
export interface StartOptions {
  client: KubeClient;
  /** Where mirrors go (default `mirror`). */
  targetNamespace?: string | undefined;
  /** Only mirror from this namespace (default: all but the target). */
  sourceNamespace?: string | undefined;
  /** Where lines go (default `console.log`). */
  log?: ((line: string) => void) | undefined;
  /** Stops the controller. */
  signal: AbortSignal;
}

/**
 * Run the mirror until `signal` aborts; logs `synced`, `apply <key>`, `delete <key>`.
 * Failures (a reconcile that throws, a list the API server refuses) reach the
 * console as warnings and errors through kubeloop's default logger.
 */
export async function startMirror(options: StartOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const targetNamespace = options.targetNamespace ?? "mirror";
  const mirror = createMirror({
    client: options.client,
    targetNamespace,
    sourceNamespace: options.sourceNamespace,
    onAction: ({ action, key }) => log(`${action} ${key}`),
  });
  const done = mirror.run(options.signal);
  if (await mirror.informer.waitForSync(options.signal)) {
    log(
      `synced ${mirror.informer.store.keys().length} labelled ConfigMaps; mirroring into ${targetNamespace}`,
    );
  }
  await done;
  log("stopped");
}
