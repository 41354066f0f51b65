/**
 * Realistic Pod objects (~2.5 KB of JSON each) for the benchmark server:
 * labels, annotations, owner references, managed fields, containers,
 * conditions and container statuses.
 */

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

function uid(i: number, salt: number): string {
  const a = hex((i * 2654435761 + salt) >>> 0, 8);
  const b = hex((i * 40503 + salt * 7) & 0xffff, 4);
  return `${a}-${b}-4${hex(i & 0xfff, 3)}-8${hex((i >> 12) & 0xfff, 3)}-${hex(i, 12)}`;
}

/** Number of namespaces the pods are spread over. */
export const NAMESPACES = 50;

/** The Pod number `i` with resource version `rv`. */
export function makePod(i: number, rv: string): Record<string, unknown> {
  const ns = `team-${i % NAMESPACES}`;
  const app = `svc-${(i >> 5) % 400}`;
  const hash = hex((i >> 5) * 977, 10).slice(0, 10);
  const rs = `${app}-${hash}`;
  const name = `${rs}-${hex(i, 5)}`;
  const ts = "2026-11-20T10:00:00Z";
  const image = `registry.example.com/${app}:v1.${i % 17}.${i % 5}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      generateName: `${rs}-`,
      namespace: ns,
      uid: uid(i, 1),
      resourceVersion: rv,
      creationTimestamp: ts,
      labels: { app, "pod-template-hash": hash, tier: i % 3 === 0 ? "frontend" : "backend" },
      annotations: {
        "kubectl.kubernetes.io/restartedAt": "2026-11-20T09:59:00Z",
        "prometheus.io/scrape": "true",
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: rs,
          uid: uid(i >> 5, 2),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: "kube-controller-manager",
          operation: "Update",
          apiVersion: "v1",
          time: ts,
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": {
              "f:generateName": {},
              "f:labels": { ".": {}, "f:app": {}, "f:pod-template-hash": {}, "f:tier": {} },
              "f:ownerReferences": { ".": {}, [`k:{"uid":"${uid(i >> 5, 2)}"}`]: {} },
            },
            "f:spec": {
              "f:containers": {
                'k:{"name":"app"}': { ".": {}, "f:image": {}, "f:name": {}, "f:ports": {} },
              },
            },
          },
        },
        {
          manager: "kubelet",
          operation: "Update",
          apiVersion: "v1",
          time: ts,
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:status": {
              "f:conditions": {
                'k:{"type":"Ready"}': {
                  ".": {},
                  "f:lastTransitionTime": {},
                  "f:status": {},
                  "f:type": {},
                },
              },
              "f:containerStatuses": {},
              "f:hostIP": {},
              "f:phase": {},
              "f:podIP": {},
              "f:startTime": {},
            },
          },
          subresource: "status",
        },
      ],
    },
    spec: {
      containers: [
        {
          name: "app",
          image,
          ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
          resources: {
            limits: { cpu: "500m", memory: "256Mi" },
            requests: { cpu: "100m", memory: "128Mi" },
          },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          imagePullPolicy: "IfNotPresent",
        },
      ],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
      nodeName: `node-${i % 40}`,
      schedulerName: "default-scheduler",
    },
    status: {
      phase: "Running",
      conditions: [
        { type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: ts },
        { type: "ContainersReady", status: "True", lastProbeTime: null, lastTransitionTime: ts },
        { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: ts },
      ],
      hostIP: `10.0.${i % 40}.1`,
      podIP: `10.244.${(i >> 8) & 255}.${i & 255}`,
      startTime: ts,
      containerStatuses: [
        {
          name: "app",
          state: { running: { startedAt: ts } },
          ready: true,
          restartCount: 0,
          image,
          imageID: `${image}@sha256:${hex(i * 31, 8)}`,
          containerID: `containerd://${hex(i * 7919, 12)}`,
          started: true,
        },
      ],
      qosClass: "Burstable",
    },
  };
}

/** `PartialObjectMetadata` for a pod (what a server sends for the metadata-only Accept header). */
export function partialMetadata(pod: Record<string, unknown>): Record<string, unknown> {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod.metadata };
}
