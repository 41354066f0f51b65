/**
 * `Table` responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`),
 * the server-side printing kubectl asks for: the API server's column
 * definitions for the built-in kinds kubeloop serves, its default columns for
 * the rest, and a CRD's additional printer columns for custom resources.
 *
 * @module
 */
import type { KubernetesObject } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import { toPartialMetadata } from "./watch.ts";

/** One column of a table. */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

interface Printer {
  columns: TableColumn[];
  cells(obj: Record<string, unknown>, now: number): Cell[];
}

const NAME_DESC =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: http://kubernetes.io/docs/user-guide/identifiers#names";
const CREATED_DESC =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

function col(
  name: string,
  type = "string",
  priority = 0,
  description = "",
  format = "",
): TableColumn {
  return { name, type, format, description, priority };
}
const NODE_ADDRESSES_DESC =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See http://pr.k8s.io/79391 for an example.";
const NAME = col("Name", "string", 0, NAME_DESC, "name");
const AGE = col("Age", "string", 0, CREATED_DESC);
/** The wide columns of the workload kinds (their pod template's containers). */
const CONTAINERS = col("Containers", "string", 1, "Names of each container in the template.");
const IMAGES = col("Images", "string", 1, "Images referenced by each container in the template.");

/** `duration.HumanDuration`, as kubectl shows ages. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function age(o: Record<string, unknown>, now: number): string {
  const ts = at(o, "metadata.creationTimestamp");
  return typeof ts === "string" ? humanDuration(now - Date.parse(ts)) : "<unknown>";
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function containers(o: Record<string, unknown>, path: string): { names: string; images: string } {
  const list = (at(o, path) as { name?: string; image?: string }[] | undefined) ?? [];
  return {
    names: list.map((c) => c.name ?? "").join(","),
    images: list.map((c) => c.image ?? "").join(","),
  };
}

function selectorString(sel: unknown): string {
  const s = sel as
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined;
  if (!s) return "<none>";
  const parts = Object.entries(s.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === "exists") parts.push(e.key);
    else if (op === "doesnotexist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op} (${(e.values ?? []).join(",")})`);
  }
  return parts.length ? parts.join(",") : "<none>";
}

function mapSelector(m: unknown): string {
  const entries = Object.entries((m as Record<string, string>) ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  );
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(",") : "<none>";
}

/** `time.Since` of a timestamp as kubectl prints it; `<unknown>` for a zero (absent) time. */
function since(ts: unknown, now: number): string {
  return typeof ts === "string" && ts !== "" ? humanDuration(now - Date.parse(ts)) : "<unknown>";
}

/** At most `max` items, then "+ N more..." (kubectl's listWithMoreString); `<unset>` for none. */
function listWithMore(items: string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  return items.length ? items.join(",") : "<unset>";
}

/** A Node's roles from its `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels. */
function nodeRoles(labels: Record<string, string>): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

function nodeAddress(o: Record<string, unknown>, type: string): string {
  const list = (at(o, "status.addresses") as { type?: string; address?: string }[]) ?? [];
  return list.find((a) => a.type === type)?.address ?? "<none>";
}

/** The cells of an Event row, for core/v1 and events.k8s.io/v1 objects (the API server converts both to one type). */
function eventCells(o: Record<string, unknown>, now: number): Cell[] {
  const core = o.involvedObject !== undefined || o.regarding === undefined;
  const ref = ((core ? o.involvedObject : o.regarding) ?? {}) as Record<string, string>;
  const first = core ? o.firstTimestamp : o.deprecatedFirstTimestamp;
  const last = core ? o.lastTimestamp : o.deprecatedLastTimestamp;
  const source = ((core ? o.source : o.deprecatedSource) ?? {}) as Record<string, string>;
  const series = o.series as { count?: number; lastObservedTime?: string } | undefined;
  const firstSeen =
    typeof first === "string" && first ? since(first, now) : since(o.eventTime, now);
  let lastSeen = typeof last === "string" && last ? since(last, now) : firstSeen;
  let count = num(core ? o.count : o.deprecatedCount);
  if (series) {
    lastSeen = since(series.lastObservedTime, now);
    count = num(series.count);
  } else if (count === 0) count = 1; // a singleton event of the new API has no count
  const kind = String(ref.kind ?? "").toLowerCase();
  const component = source.component || String(o.reportingController ?? "");
  const instance = source.host || String(o.reportingInstance ?? "");
  return [
    lastSeen,
    String(o.type ?? ""),
    String(o.reason ?? ""),
    ref.name ? `${kind}/${ref.name}` : kind,
    String(ref.fieldPath ?? ""),
    instance ? `${component}, ${instance}` : component,
    String((core ? o.message : o.note) ?? "").trim(),
    firstSeen,
    count,
    String(at(o, "metadata.name")),
  ];
}

const EVENT_PRINTER: Printer = {
  columns: [
    col(
      "Last Seen",
      "string",
      0,
      "The time at which the most recent occurrence of this event was recorded.",
    ),
    col(
      "Type",
      "string",
      0,
      "Type of this event (Normal, Warning), new types could be added in the future",
    ),
    col(
      "Reason",
      "string",
      0,
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col("Object", "string", 0, "The object that this event is about."),
    col(
      "Subobject",
      "string",
      1,
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    ),
    col(
      "Source",
      "string",
      1,
      "The component reporting this event. Should be a short machine understandable string.",
    ),
    col("Message", "string", 0, "A human-readable description of the status of this operation."),
    col(
      "First Seen",
      "string",
      1,
      "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    ),
    col("Count", "string", 1, "The number of times this event has occurred."),
    col("Name", "string", 1, NAME_DESC, "name"),
  ],
  cells: eventCells,
};

const PRINTERS: Record<string, Printer> = {
  "/ConfigMap": {
    columns: [
      NAME,
      col(
        "Data",
        "string",
        0,
        "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
      ),
      AGE,
    ],
    cells: (o, now) => [
      String(at(o, "metadata.name")),
      Object.keys((o.data as object) ?? {}).length +
        Object.keys((o.binaryData as object) ?? {}).length,
      age(o, now),
    ],
  },
  "/Secret": {
    columns: [
      NAME,
      col("Type", "string", 0, "Used to facilitate programmatic handling of secret data."),
      col(
        "Data",
        "string",
        0,
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
      ),
      AGE,
    ],
    cells: (o, now) => [
      String(at(o, "metadata.name")),
      String(o.type ?? ""),
      Object.keys((o.data as object) ?? {}).length,
      age(o, now),
    ],
  },
  "/Namespace": {
    columns: [NAME, col("Status", "string", 0, "The status of the namespace"), AGE],
    cells: (o, now) => [
      String(at(o, "metadata.name")),
      String(at(o, "status.phase") ?? ""),
      age(o, now),
    ],
  },
  "/ServiceAccount": {
    columns: [
      NAME,
      col(
        "Secrets",
        "string",
        0,
        "Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount. More info: https://kubernetes.io/docs/concepts/configuration/secret",
      ),
      AGE,
    ],
    cells: (o, now) => [
      String(at(o, "metadata.name")),
      ((o.secrets as unknown[]) ?? []).length,
      age(o, now),
    ],
  },
  "coordination.k8s.io/Lease": {
    columns: [
      NAME,
      col(
        "Holder",
        "string",
        0,
        "holderIdentity contains the identity of the holder of a current lease.",
      ),
      AGE,
    ],
    cells: (o, now) => [
      String(at(o, "metadata.name")),
      String(at(o, "spec.holderIdentity") ?? ""),
      age(o, now),
    ],
  },
  "/Pod": {
    columns: [
      NAME,
      col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", 0, "The aggregate status of the containers in this pod."),
      col(
        "Restarts",
        "integer",
        0,
        "The number of times the containers in this pod have been restarted.",
      ),
      AGE,
      col(
        "IP",
        "string",
        1,
        "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
      ),
      col(
        "Node",
        "string",
        1,
        "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.",
      ),
      col(
        "Nominated Node",
        "string",
        1,
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
      ),
      col(
        "Readiness Gates",
        "string",
        1,
        'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
      ),
    ],
    cells: (o, now) => {
      const specContainers = ((at(o, "spec.containers") as unknown[]) ?? []).length;
      const statuses =
        (at(o, "status.containerStatuses") as { ready?: boolean; restartCount?: number }[]) ?? [];
      const ready = statuses.filter((s) => s.ready).length;
      const restarts = statuses.reduce((n, s) => n + num(s.restartCount), 0);
      let reason = String(at(o, "status.reason") ?? at(o, "status.phase") ?? "");
      if (at(o, "metadata.deletionTimestamp")) reason = "Terminating";
      const gates = (at(o, "spec.readinessGates") as unknown[]) ?? [];
      return [
        String(at(o, "metadata.name")),
        `${ready}/${specContainers}`,
        reason,
        restarts,
        age(o, now),
        String(at(o, "status.podIP") ?? "<none>"),
        String(at(o, "spec.nodeName") ?? "<none>"),
        String(at(o, "status.nominatedNodeName") ?? "<none>"),
        gates.length ? `0/${gates.length}` : "<none>",
      ];
    },
  },
  "apps/Deployment": {
    columns: [
      NAME,
      col("Ready", "string", 0, "Number of the pod with ready state"),
      col(
        "Up-to-date",
        "string",
        0,
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      col(
        "Available",
        "string",
        0,
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      AGE,
      CONTAINERS,
      IMAGES,
      col(
        "Selector",
        "string",
        1,
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
      ),
    ],
    cells: (o, now) => {
      const c = containers(o, "spec.template.spec.containers");
      return [
        String(at(o, "metadata.name")),
        `${num(at(o, "status.readyReplicas"))}/${num(at(o, "spec.replicas"))}`,
        num(at(o, "status.updatedReplicas")),
        num(at(o, "status.availableReplicas")),
        age(o, now),
        c.names,
        c.images,
        selectorString(at(o, "spec.selector")),
      ];
    },
  },
  "apps/StatefulSet": {
    columns: [
      NAME,
      col("Ready", "string", 0, "Number of the pod with ready state"),
      AGE,
      CONTAINERS,
      IMAGES,
    ],
    cells: (o, now) => {
      const c = containers(o, "spec.template.spec.containers");
      return [
        String(at(o, "metadata.name")),
        `${num(at(o, "status.readyReplicas"))}/${num(at(o, "spec.replicas"))}`,
        age(o, now),
        c.names,
        c.images,
      ];
    },
  },
  "apps/ReplicaSet": {
    columns: [
      NAME,
      col(
        "Desired",
        "integer",
        0,
        "Number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
      ),
      col(
        "Current",
        "integer",
        0,
        "Replicas is the most recently oberved number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
      ),
      col("Ready", "integer", 0, "The number of ready replicas for this replica set."),
      AGE,
      CONTAINERS,
      IMAGES,
      col(
        "Selector",
        "string",
        1,
        "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
      ),
    ],
    cells: (o, now) => {
      const c = containers(o, "spec.template.spec.containers");
      return [
        String(at(o, "metadata.name")),
        num(at(o, "spec.replicas")),
        num(at(o, "status.replicas")),
        num(at(o, "status.readyReplicas")),
        age(o, now),
        c.names,
        c.images,
        selectorString(at(o, "spec.selector")),
      ];
    },
  },
  "/Service": {
    columns: [
      NAME,
      col(
        "Type",
        "string",
        0,
        'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ExternalName" maps to the specified externalName. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a stable IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the clusterIP. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
      ),
      col(
        "Cluster-IP",
        "string",
        0,
        'clusterIP is the IP address of the service and is usually assigned randomly by the master. If an address is specified manually and is not in use by others, it will be allocated to the service; otherwise, creation of the service will fail. This field can not be changed through updates. Valid values are "None", empty string (""), or a valid IP address. "None" can be specified for headless services when proxying is not required. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
      ),
      col(
        "External-IP",
        "string",
        0,
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
      ),
      col(
        "Port(s)",
        "string",
        0,
        "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
      ),
      AGE,
      col(
        "Selector",
        "string",
        1,
        "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
      ),
    ],
    cells: (o, now) => {
      const ports = (
        (at(o, "spec.ports") as { port?: number; protocol?: string; nodePort?: number }[]) ?? []
      )
        .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`)
        .join(",");
      const external = (at(o, "spec.externalIPs") as string[] | undefined) ?? [];
      return [
        String(at(o, "metadata.name")),
        String(at(o, "spec.type") ?? ""),
        String(at(o, "spec.clusterIP") ?? ""),
        external.length ? external.join(",") : "<none>",
        ports || "<none>",
        age(o, now),
        mapSelector(at(o, "spec.selector")),
      ];
    },
  },
  "/Endpoints": {
    columns: [NAME, col("Endpoints", "string", 0, "Endpoints of the service"), AGE],
    cells: (o, now) => [String(at(o, "metadata.name")), "<none>", age(o, now)],
  },
  "batch/Job": {
    columns: [
      NAME,
      col("Completions", "string", 0, "The number of pods which reached phase Succeeded."),
      col("Duration", "string", 0, "Time required to complete the job."),
      AGE,
      CONTAINERS,
      IMAGES,
      col(
        "Selector",
        "string",
        1,
        "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
      ),
    ],
    cells: (o, now) => {
      const c = containers(o, "spec.template.spec.containers");
      const succeeded = num(at(o, "status.succeeded"));
      const completions = at(o, "spec.completions");
      const parallelism = num(at(o, "spec.parallelism"));
      const done =
        typeof completions === "number"
          ? `${succeeded}/${completions}`
          : parallelism > 1
            ? `${succeeded}/1 of ${parallelism}`
            : `${succeeded}/1`;
      const start = at(o, "status.startTime");
      const end = at(o, "status.completionTime");
      const duration =
        typeof start !== "string"
          ? ""
          : humanDuration((typeof end === "string" ? Date.parse(end) : now) - Date.parse(start));
      return [
        String(at(o, "metadata.name")),
        done,
        duration,
        age(o, now),
        c.names,
        c.images,
        selectorString(at(o, "spec.selector")),
      ];
    },
  },
  "apps/DaemonSet": {
    columns: [
      NAME,
      col(
        "Desired",
        "integer",
        0,
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
      ),
      col(
        "Current",
        "integer",
        0,
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
      ),
      col(
        "Ready",
        "integer",
        0,
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
      ),
      col(
        "Up-to-date",
        "integer",
        0,
        "The total number of nodes that are running updated daemon pod",
      ),
      col(
        "Available",
        "integer",
        0,
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
      ),
      col(
        "Node Selector",
        "string",
        0,
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
      ),
      AGE,
      CONTAINERS,
      IMAGES,
      col(
        "Selector",
        "string",
        1,
        "A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
      ),
    ],
    cells: (o, now) => {
      const c = containers(o, "spec.template.spec.containers");
      return [
        String(at(o, "metadata.name")),
        num(at(o, "status.desiredNumberScheduled")),
        num(at(o, "status.currentNumberScheduled")),
        num(at(o, "status.numberReady")),
        num(at(o, "status.updatedNumberScheduled")),
        num(at(o, "status.numberAvailable")),
        mapSelector(at(o, "spec.template.spec.nodeSelector")),
        age(o, now),
        c.names,
        c.images,
        selectorString(at(o, "spec.selector")),
      ];
    },
  },
  "/Node": {
    columns: [
      NAME,
      col("Status", "string", 0, "The status of the node"),
      col("Roles", "string", 0, "The roles of the node"),
      AGE,
      col("Version", "string", 0, "Kubelet Version reported by the node."),
      col("Internal-IP", "string", 1, NODE_ADDRESSES_DESC),
      col("External-IP", "string", 1, NODE_ADDRESSES_DESC),
      col(
        "OS-Image",
        "string",
        1,
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
      ),
      col(
        "Kernel-Version",
        "string",
        1,
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      ),
      col(
        "Container-Runtime",
        "string",
        1,
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. docker://1.5.0).",
      ),
    ],
    cells: (o, now) => {
      const conditions = (at(o, "status.conditions") as { type?: string; status?: string }[]) ?? [];
      const ready = conditions.find((c) => c.type === "Ready");
      const status = ready ? [ready.status === "True" ? "Ready" : "NotReady"] : ["Unknown"];
      if (at(o, "spec.unschedulable") === true) status.push("SchedulingDisabled");
      const info = (k: string): string => {
        const v = at(o, `status.nodeInfo.${k}`);
        return typeof v === "string" && v !== "" ? v : "<unknown>";
      };
      return [
        String(at(o, "metadata.name")),
        status.join(","),
        nodeRoles((at(o, "metadata.labels") as Record<string, string>) ?? {}),
        age(o, now),
        String(at(o, "status.nodeInfo.kubeletVersion") ?? ""),
        nodeAddress(o, "InternalIP"),
        nodeAddress(o, "ExternalIP"),
        info("osImage"),
        info("kernelVersion"),
        info("containerRuntimeVersion"),
      ];
    },
  },
  "discovery.k8s.io/EndpointSlice": {
    columns: [
      NAME,
      col(
        "AddressType",
        "string",
        0,
        "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.",
      ),
      col(
        "Ports",
        "string",
        0,
        'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
      ),
      col(
        "Endpoints",
        "string",
        0,
        "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
      ),
      AGE,
    ],
    cells: (o, now) => {
      const ports = ((o.ports as { port?: number; name?: string }[]) ?? []).map((p) =>
        typeof p.port === "number" ? String(p.port) : (p.name ?? "*"),
      );
      const addresses = ((o.endpoints as { addresses?: string[] }[]) ?? []).flatMap(
        (e) => e.addresses ?? [],
      );
      return [
        String(at(o, "metadata.name")),
        String(o.addressType ?? ""),
        listWithMore(ports),
        listWithMore(addresses),
        age(o, now),
      ];
    },
  },
  "/Event": EVENT_PRINTER,
  "events.k8s.io/Event": EVENT_PRINTER,
};

function defaultPrinter(type: ResourceType, custom: boolean): Printer {
  if (custom) {
    return {
      columns: [NAME, AGE],
      cells: (o, now) => [String(at(o, "metadata.name")), age(o, now)],
    };
  }
  void type;
  return {
    columns: [NAME, col("Created At", "date", 0, CREATED_DESC)],
    cells: (o) => [
      String(at(o, "metadata.name")),
      String(at(o, "metadata.creationTimestamp") ?? ""),
    ],
  };
}

/** Additional printer columns of a custom resource version (from its CRD). */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string | undefined;
  description?: string | undefined;
  priority?: number | undefined;
  jsonPath: string;
}

function jsonPathValue(o: unknown, path: string): unknown {
  // the simple `.a.b.c` paths CRDs use
  return at(o, path.replace(/^\./, ""));
}

function printerFor(type: ResourceType): Printer {
  const builtin = PRINTERS[`${type.group}/${type.kind}`];
  if (builtin) return builtin;
  const columns = (type as { printerColumns?: PrinterColumn[] }).printerColumns;
  const custom = (type as { strategy?: unknown }).strategy !== undefined;
  if (!columns || columns.length === 0) return defaultPrinter(type, custom);
  // a CRD's printer columns replace the default Age column
  const hasAge = true;
  const defs = [
    NAME,
    ...columns.map((c) =>
      col(c.name, c.type, c.priority ?? 0, c.description ?? "", c.format ?? ""),
    ),
  ];
  if (!hasAge) defs.push(AGE);
  return {
    columns: defs,
    cells: (o, now) => {
      const cells: Cell[] = [String(at(o, "metadata.name"))];
      for (const c of columns) {
        const v = jsonPathValue(o, c.jsonPath);
        cells.push(
          c.type === "date" && typeof v === "string"
            ? humanDuration(now - Date.parse(v))
            : ((v as Cell) ?? null),
        );
      }
      if (!hasAge) cells.push(age(o, now));
      return cells;
    },
  };
}

/** What `includeObject` asks rows to carry. */
export type IncludeObject = "None" | "Metadata" | "Object";

/** A `Table` for objects of `type`. */
export function toTable(
  type: ResourceType,
  objects: KubernetesObject[],
  listMeta: Record<string, unknown>,
  now: number,
  include: IncludeObject,
): Record<string, unknown> {
  const p = printerFor(type);
  const builtin = PRINTERS[`${type.group}/${type.kind}`] !== undefined;
  const rows = objects.map((o) => ({
    cells: p.cells(o as Record<string, unknown>, now),
    object:
      include === "None"
        ? null
        : include === "Object"
          ? { ...o, apiVersion: type.apiVersion, kind: type.kind }
          : toPartialMetadata(o),
  }));
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: p.columns,
    // the built-in printers make an empty list of rows; the default table convertor none (null)
    rows: rows.length || builtin ? rows : null,
  };
}
