/**
 * The Website operator: a `Website` owns a ConfigMap (its page), a
 * Deployment (nginx serving it) and a Service, registers its host in an
 * external registry, and reports conditions and `observedGeneration` in its
 * status. Everything in kubeloop's operator toolkit in one place:
 *
 * - `owns(...)` triggers: a change to an owned object reconciles its Website;
 * - owner references (controller, blockOwnerDeletion) for garbage collection;
 * - `withFinalizer`: the registry entry is removed before the Website goes;
 * - `setCondition` + `applyStatus`: status by server-side apply, own field manager;
 * - `EventRecorder`: what happened, as `kubectl describe website` shows it;
 * - the `Manager`: leader election, shared informers, health and `/metrics`.
 *
 * Web-standard code only: it runs on Node, Deno, Bun (and workerd).
 * In your own project, import from `"kubeloop"` instead of `../../src/mod.ts`.
 *
 * @module
 */
import {
  applyStatus,
  type Clock,
  type ConfigMap,
  ConfigMaps,
  type Controller,
  type Deployment,
  Deployments,
  defaultLogger,
  EventRecorder,
  findCondition,
  type KubeClient,
  type KubernetesObject,
  type Logger,
  Manager,
  type ManagerLeaderElectionOptions,
  newResource,
  type OwnerReference,
  owns,
  type ReconcileContext,
  type ResourceType,
  type Service,
  Services,
  setCondition,
  withFinalizer,
} from "../../src/mod.ts";
import type { ExternalRegistry } from "./registry.ts";
import { GROUP, type Website, type WebsiteStatus, Websites } from "./website.ts";

/** The finalizer that keeps a Website until its registry entry is gone. */
export const FINALIZER = `${GROUP}/registry`;
/** Field manager of the owned objects (server-side apply). */
export const FIELD_MANAGER = "website-operator";
/** Field manager of Website status writes (kept apart from the spec's). */
export const STATUS_FIELD_MANAGER = "website-operator-status";
/** The reporting controller of the operator's Events. */
export const REPORTING_CONTROLLER = `${GROUP}/website-operator`;
/** Label on every object the operator creates. */
export const WEBSITE_LABEL = `${GROUP}/website`;

/** Options of {@link websiteOperator}. */
export interface WebsiteOperatorOptions {
  /** The cluster (or a fake API server). */
  client: KubeClient;
  /** Where hosts are registered. */
  registry: ExternalRegistry;
  /** This replica's identity (its pod name): leader election and Events use it. */
  identity: string;
  /** Watch Websites in this namespace only (default: all namespaces). */
  namespace?: string | undefined;
  /** Leader election (default: lease `website-operator` in `leaseNamespace`). */
  leaderElection?: Partial<ManagerLeaderElectionOptions> | false | undefined;
  /** Namespace of the leader-election lease (default `default`). */
  leaseNamespace?: string | undefined;
  /** Concurrent reconciles (default 2). */
  workers?: number | undefined;
  /** Retries per key before it is dropped (default 15). */
  maxRetries?: number | undefined;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
  /** Called after every reconcile attempt of a Website (for demos and tests). */
  onReconcile?: ((key: string, outcome: "apply" | "cleanup" | "error") => void) | undefined;
}

/** What {@link websiteOperator} builds. */
export interface WebsiteOperator {
  /** Run it: `manager.run(signal)`. */
  manager: Manager;
  /** The Website controller. */
  controller: Controller<Website>;
  /** The operator's Events. */
  recorder: EventRecorder;
}

/** The names of a Website's children (all three share the Website's name). */
export function childName(site: Website): string {
  return site.metadata.name ?? "";
}

/** An owner reference to `site`: the controller owner, blocking foreground deletion. */
export function ownerReference(site: Website): OwnerReference {
  return {
    apiVersion: Websites.apiVersion,
    kind: Websites.kind,
    name: site.metadata.name ?? "",
    uid: site.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The ConfigMap, Deployment and Service a Website wants (server-side apply bodies). */
export function desiredChildren(site: Website): {
  configMap: ConfigMap;
  deployment: Deployment;
  service: Service;
} {
  const name = childName(site);
  const namespace = site.metadata.namespace;
  const labels = { [WEBSITE_LABEL]: name };
  const metadata = () => ({
    name,
    namespace,
    labels: { ...labels },
    ownerReferences: [ownerReference(site)],
  });
  return {
    configMap: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: metadata(),
      data: { "index.html": site.spec.content },
    },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: metadata(),
      spec: {
        replicas: site.spec.replicas ?? 1,
        selector: { matchLabels: { ...labels } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            containers: [
              {
                name: "web",
                image: site.spec.image ?? "nginx:1.27",
                // protocol spelled out: server-side apply keys these lists by port and protocol
                // (Kubernetes before 1.21 rejects an apply that leaves the protocol to its default)
                ports: [{ containerPort: 80, name: "http", protocol: "TCP" }],
                volumeMounts: [{ name: "content", mountPath: "/usr/share/nginx/html" }],
              },
            ],
            volumes: [{ name: "content", configMap: { name } }],
          },
        },
      },
    },
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: metadata(),
      spec: {
        selector: { ...labels },
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      },
    },
  };
}

/** Where the Website's Service answers inside the cluster. */
export function serviceTarget(site: Website): string {
  return `${childName(site)}.${site.metadata.namespace}.svc`;
}

/**
 * Whether the operator caught up with `site`: its status is for the current
 * generation, the children are applied and the host is registered
 * (`Reconciled=True`).
 */
export function isReconciled(site: Website): boolean {
  return (
    site.status?.observedGeneration === site.metadata.generation &&
    findCondition(site.status?.conditions, "Reconciled")?.status === "True" &&
    site.status?.registeredHost === site.spec.host
  );
}

/**
 * Build the operator: a Manager (leader election, `/metrics` and probes at
 * `manager.probe`) running the Website controller, which owns ConfigMaps,
 * Deployments and Services.
 */
export function websiteOperator(options: WebsiteOperatorOptions): WebsiteOperator {
  const { client, registry, identity } = options;
  const logger = options.logger ?? defaultLogger;
  const leaderElection =
    options.leaderElection === false
      ? undefined
      : {
          namespace: options.leaseNamespace ?? "default",
          name: "website-operator",
          identity,
          ...options.leaderElection,
        };
  const manager = new Manager({
    client,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(leaderElection ? { leaderElection } : {}),
  });
  const recorder = new EventRecorder({
    client,
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: identity,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const scope = options.namespace ? { namespace: options.namespace } : {};
  const websites = manager.informer(Websites, scope);
  // The same shared informers the owns() triggers use: the reconcile reads children from them.
  const cache = {
    configMaps: manager.informer(ConfigMaps, scope),
    deployments: manager.informer(Deployments, scope),
    services: manager.informer(Services, scope),
  };
  const now = options.clock ?? { now: () => Date.now() };
  const onReconcile = options.onReconcile ?? (() => {});

  /** Server-side apply one child; whether it changed (or was created). */
  const applyChild = async <T extends KubernetesObject>(
    type: ResourceType<T>,
    cached: T | undefined,
    body: T,
    signal: AbortSignal | undefined,
  ): Promise<{ obj: T; changed: boolean }> => {
    const obj = await client.patch(type, body.metadata.name ?? "", body, {
      type: "apply",
      fieldManager: FIELD_MANAGER,
      force: true,
      namespace: body.metadata.namespace,
      ...(signal ? { signal } : {}),
    });
    return { obj, changed: cached?.metadata.resourceVersion !== obj.metadata.resourceVersion };
  };

  const writeStatus = async (site: Website, patch: (s: WebsiteStatus) => WebsiteStatus) => {
    const status = patch({ ...site.status, observedGeneration: site.metadata.generation });
    await applyStatus(client, Websites, site, status, { fieldManager: STATUS_FIELD_MANAGER });
  };

  const apply = async (site: Website, ctx?: ReconcileContext): Promise<void> => {
    const key = `${site.metadata.namespace}/${site.metadata.name}`;
    const signal = ctx?.signal;
    const want = desiredChildren(site);
    const ck = `${site.metadata.namespace}/${childName(site)}`;
    const results = [
      [
        "ConfigMap",
        await applyChild(ConfigMaps, cache.configMaps.store.get(ck), want.configMap, signal),
      ],
      [
        "Deployment",
        await applyChild(Deployments, cache.deployments.store.get(ck), want.deployment, signal),
      ],
      ["Service", await applyChild(Services, cache.services.store.get(ck), want.service, signal)],
    ] as const;
    const changed = results.filter(([, r]) => r.changed).map(([kind]) => kind);
    const firstTime = site.status?.observedGeneration === undefined;
    if (changed.length > 0) {
      recorder.publish(site, {
        type: "Normal",
        reason: firstTime ? "Provisioned" : "Updated",
        action: "ApplyChildren",
        note: `applied ${changed.join(", ")} ${childName(site)}`,
      });
    }

    // the external registry: move the host if it changed, then (re-)register it
    const previous = site.status?.registeredHost;
    try {
      if (previous !== undefined && previous !== site.spec.host) {
        await registry.unregister(previous, signal);
      }
      await registry.register(site.spec.host, serviceTarget(site), signal);
    } catch (err) {
      recorder.publish(site, {
        type: "Warning",
        reason: "RegistrationFailed",
        action: "Register",
        note: `could not register ${site.spec.host}: ${err instanceof Error ? err.message : String(err)}`,
      });
      await writeStatus(site, (s) => ({
        ...s,
        conditions: setCondition(
          s.conditions,
          {
            type: "Reconciled",
            status: "False",
            reason: "RegistryUnavailable",
            message: `registering ${site.spec.host} failed; retrying`,
            observedGeneration: site.metadata.generation,
          },
          now,
        ).conditions,
      }));
      throw err;
    }
    if (previous !== site.spec.host) {
      recorder.publish(site, {
        type: "Normal",
        reason: "Registered",
        action: "Register",
        note: `${site.spec.host} → ${serviceTarget(site)}`,
      });
    }

    // availability comes from the Deployment's status (written by the cluster's Deployment controller)
    const deployment = results[1][1].obj;
    const replicas = deployment.spec?.replicas ?? 1;
    const available =
      (deployment.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0;
    const wasAvailable = findCondition(site.status?.conditions, "Available")?.status === "True";
    const isAvailable = available >= replicas;
    await writeStatus(site, (s) => {
      let conditions = setCondition(
        s.conditions,
        {
          type: "Reconciled",
          status: "True",
          reason: "ChildrenApplied",
          message: "ConfigMap, Deployment and Service applied; host registered",
          observedGeneration: site.metadata.generation,
        },
        now,
      ).conditions;
      conditions = setCondition(
        conditions,
        {
          type: "Available",
          status: isAvailable ? "True" : "False",
          reason: isAvailable ? "DeploymentAvailable" : "DeploymentUnavailable",
          message: `${available}/${replicas} replicas available`,
          observedGeneration: site.metadata.generation,
        },
        now,
      ).conditions;
      return { ...s, registeredHost: site.spec.host, url: `http://${site.spec.host}/`, conditions };
    });
    if (isAvailable && !wasAvailable) {
      recorder.publish(site, {
        type: "Normal",
        reason: "Available",
        action: "Reconcile",
        note: `${available}/${replicas} replicas available`,
      });
    }
    logger.debug("website reconciled", { key, changed });
  };

  const cleanup = async (site: Website, ctx?: ReconcileContext): Promise<void> => {
    const host = site.status?.registeredHost ?? site.spec.host;
    try {
      await registry.unregister(host, ctx?.signal);
    } catch (err) {
      recorder.publish(site, {
        type: "Warning",
        reason: "DeregistrationFailed",
        action: "Deregister",
        note: `could not remove ${host}: ${err instanceof Error ? err.message : String(err)}; retrying`,
      });
      throw err;
    }
    recorder.publish(site, {
      type: "Normal",
      reason: "Deregistered",
      action: "Deregister",
      note: `${host} removed from the registry`,
    });
  };

  const upsert = withFinalizer<Website>({
    client,
    type: Websites,
    finalizer: FINALIZER,
    logger,
    apply: async (site, ctx) => {
      await apply(site, ctx);
      onReconcile(`${site.metadata.namespace}/${site.metadata.name}`, "apply");
    },
    cleanup: async (site, ctx) => {
      await cleanup(site, ctx);
      onReconcile(`${site.metadata.namespace}/${site.metadata.name}`, "cleanup");
    },
  });

  const controller = manager.add(
    newResource<Website>(websites, upsert, () => {
      // the children go with the Website: garbage collection follows their owner references
    }),
    {
      name: "websites",
      workers: options.workers ?? 2,
      maxRetries: options.maxRetries ?? 15,
      triggers: [owns(ConfigMaps, scope), owns(Deployments, scope), owns(Services, scope)],
      onError: (_err, info) => onReconcile(info.key, "error"),
    },
  );
  // Events still being written when the manager stops are flushed first.
  manager.addBackgrounder(
    {
      run: (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => resolve(), { once: true }),
        ).then(() => recorder.flush()),
    },
    { name: "event-flush", needsLeaderElection: false },
  );
  return { manager, controller, recorder };
}
