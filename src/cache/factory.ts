/**
 * `InformerFactory`: one shared informer per (resource type, namespace,
 * selectors, metadata-only), so several controllers watching the same thing
 * share one watch and one cache.
 *
 * @module
 */
import type { KubernetesObject, PartialObjectMetadata } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { type Informer, type InformerOptions, SharedInformer } from "./informer.ts";
import type { ListWatchClient } from "./reflector.ts";

/**
 * Options of {@link InformerFactory.informer}: what identifies the informer, plus its settings.
 *
 * @example
 * ```ts
 * import { InformerFactory, Pods, type FactoryInformerOptions, type KubeClient, type Pod } from "kubeloop";
 * declare const client: KubeClient;
 * const opts: FactoryInformerOptions<Pod> = { namespace: "default", labelSelector: "app=web" };
 * const pods = new InformerFactory(client).informer(Pods, opts);
 * ```
 */
export type FactoryInformerOptions<T extends KubernetesObject> = InformerOptions<T>;

/**
 * Makes and runs shared informers. Informers requested after `start`/`run`
 * start at once.
 *
 * Settings other than the identity (namespace, selectors, metadata-only) come
 * from the first request for an informer; later requests with different
 * settings get the existing informer (handlers, indexes and resync are shared).
 *
 * @example
 * ```ts
 * import { InformerFactory, KubeClient, Pods, ConfigMaps } from "kubeloop";
 * const factory = new InformerFactory(new KubeClient({ server: "https://127.0.0.1:6443" }), {
 *   resyncPeriodMs: 10 * 60_000,
 * });
 * const pods = factory.informer(Pods, { namespace: "default" });
 * const cms = factory.informer(ConfigMaps);
 * const ac = new AbortController();
 * factory.start(ac.signal);
 * await factory.waitForSync();
 * ```
 */
export class InformerFactory {
  readonly #client: ListWatchClient;
  readonly #defaults: InformerOptions<KubernetesObject>;
  readonly #informers = new Map<string, SharedInformer<KubernetesObject>>();
  readonly #running = new Map<SharedInformer<KubernetesObject>, Promise<void>>();
  #signal: AbortSignal | undefined;

  /**
   * Create a factory. Informers are made by {@link InformerFactory.informer}
   * and run from {@link InformerFactory.start} (or {@link InformerFactory.run}).
   *
   * @param client the client every informer uses
   * @param defaults options applied to every informer (overridden per informer)
   */
  constructor(client: ListWatchClient, defaults: InformerOptions<KubernetesObject> = {}) {
    this.#client = client;
    this.#defaults = defaults;
  }

  /** The identity of an informer: type, namespace, selectors, metadata-only. */
  static key(
    type: ResourceType<KubernetesObject>,
    opts: InformerOptions<KubernetesObject> = {},
  ): string {
    return JSON.stringify([
      type.group,
      type.version,
      type.plural,
      type.namespaced ? (opts.namespace ?? "") : "",
      opts.labelSelector ?? "",
      opts.fieldSelector ?? "",
      opts.metadataOnly === true,
    ]);
  }

  /** The shared informer for `type` and these options (created on first use). */
  informer<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: FactoryInformerOptions<PartialObjectMetadata> & { metadataOnly: true },
  ): Informer<PartialObjectMetadata>;
  /** The shared informer for `type` and these options (created on first use; started at once if the factory is running). */
  informer<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: FactoryInformerOptions<T>,
  ): Informer<T>;
  informer<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: FactoryInformerOptions<T> = {},
  ): Informer<T> {
    const merged = { ...this.#defaults, ...opts } as InformerOptions<KubernetesObject>;
    const key = InformerFactory.key(type as ResourceType<KubernetesObject>, merged);
    let informer = this.#informers.get(key);
    if (!informer) {
      informer = new SharedInformer(this.#client, type as ResourceType<KubernetesObject>, merged);
      this.#informers.set(key, informer);
      if (this.#signal && !this.#signal.aborted) this.#startOne(informer, this.#signal);
    }
    return informer as unknown as Informer<T>;
  }

  /** Every informer made so far. */
  informers(): Informer<KubernetesObject>[] {
    return Array.from(this.#informers.values());
  }

  /** Start every informer (and any requested later) until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.#signal && !this.#signal.aborted)
      throw new Error("InformerFactory is already running");
    this.#signal = signal;
    for (const informer of this.#informers.values()) {
      if (!this.#running.has(informer)) this.#startOne(informer, signal);
    }
  }

  /** {@link InformerFactory.start}, then resolve once `signal` aborted and every informer stopped. */
  async run(signal: AbortSignal): Promise<void> {
    this.start(signal);
    if (!signal.aborted) {
      await new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => resolve(), { once: true }),
      );
    }
    await this.stopped();
  }

  /** Resolves once every started informer has stopped. */
  async stopped(): Promise<void> {
    while (true) {
      const pending = [...this.#running.values()];
      if (pending.length === 0) return;
      await Promise.all(pending);
      if ([...this.#running.values()].every((p) => pending.includes(p))) return;
    }
  }

  /**
   * Wait until every informer made so far has synced. Resolves `false` if
   * `signal` aborts or an informer stops before it synced.
   */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all(
      [...this.#informers.values()].map((i) => i.waitForSync(signal)),
    );
    return results.every(Boolean);
  }

  #startOne(informer: SharedInformer<KubernetesObject>, signal: AbortSignal): void {
    const p = informer.run(signal).catch(() => {
      // run only rejects when started twice, which the factory never does
    });
    this.#running.set(informer, p);
  }
}
