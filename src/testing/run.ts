/**
 * `testControllerRun`: start a controller for a test and get back a function
 * that stops it and waits until it has fully stopped.
 *
 * @module
 */
import {
  Controller,
  type ControllerOptions,
  InformerStoppedError,
} from "../controller/controller.ts";
import type { Resource } from "../controller/resource.ts";
import type { KubernetesObject } from "../resources/meta.ts";

/**
 * Options for {@link testControllerRun}: everything {@link ControllerOptions} has but `resource`.
 *
 * @example
 * ```ts
 * import { FakeClock, MemoryLogger, type ConfigMap } from "kubeloop";
 * import type { TestControllerRunOptions } from "kubeloop/testing";
 * const options: TestControllerRunOptions<ConfigMap> = {
 *   clock: new FakeClock(),
 *   logger: new MemoryLogger(),
 *   workers: 2,
 * };
 * ```
 */
export type TestControllerRunOptions<T extends KubernetesObject> = Omit<
  ControllerOptions<T>,
  "resource"
>;

/**
 * Start a {@link Controller} for `resource`, wait until its informers have
 * synced (the primary's and its triggers'), and return an async function that stops the controller and waits
 * for `run` to finish (informer, in-flight callbacks, backgrounder). The
 * returned function rethrows the error `run` ended with, if any (for example
 * an `InformerStoppedError`). If the controller ends before its informer
 * synced, `testControllerRun` itself rejects.
 *
 * @example
 * ```ts
 * import { newResource, type ConfigMap, type ControllerInformer } from "kubeloop";
 * import { testControllerRun } from "kubeloop/testing";
 * declare const informer: ControllerInformer<ConfigMap>;
 * const seen: string[] = [];
 * const stop = await testControllerRun(
 *   newResource(informer, (key) => { seen.push(key); }, () => {}),
 * );
 * // ... create objects, wait for `seen` to fill ...
 * await stop();
 * ```
 */
export async function testControllerRun<T extends KubernetesObject>(
  resource: Resource<T>,
  options: TestControllerRunOptions<T> = {},
): Promise<() => Promise<void>> {
  const controller = new Controller<T>({ ...options, resource });
  const abort = new AbortController();
  let settled = false;
  let failure: { error: unknown } | undefined;
  const running = controller.run(abort.signal).then(
    () => {
      settled = true;
    },
    (error: unknown) => {
      settled = true;
      failure = { error };
    },
  );
  const synced = await Promise.race([
    controller.waitForSync(abort.signal),
    running.then(() => false),
  ]);
  if (!synced || settled) {
    abort.abort();
    await running;
    if (failure) throw failure.error;
    throw new InformerStoppedError(controller.name);
  }
  return async () => {
    abort.abort();
    await running;
    if (failure) throw failure.error;
  };
}
