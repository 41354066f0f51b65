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

/**
 * A server-side-apply field set (`fieldsV1`) of `value`, built the way the API server records one:
 * `f:<field>` for object fields, `k:{"name":…}` for list items keyed by name (`v:` for scalars).
 */
function fieldSet(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const item of value) {
      if (item && typeof item === "object" && "name" in item) {
        const key = `k:${JSON.stringify({ name: (item as { name: unknown }).name })}`;
        out[key] = { ".": {}, ...fieldSet(item) };
      } else if (item && typeof item === "object" && "containerPort" in item) {
        const p = item as { containerPort: number; protocol?: string };
        out[
          `k:${JSON.stringify({ containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })}`
        ] = {
          ".": {},
          ...fieldSet(item),
        };
      }
      // lists of scalars are atomic: the field set has just `f:<field>`
    }
    return out;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[`f:${k}`] =
        v && typeof v === "object"
          ? { ...(Array.isArray(v) ? {} : { ".": {} }), ...fieldSet(v) }
          : {};
    }
    return out;
  }
  return {};
}

/**
 * A large Pod (about 9 KB of JSON, 4.4 KB of it managedFields): a Deployment's Pod with an app container
 * (2 ports, 10 env vars, probes, resources, security context, 4 volume mounts) and a mesh sidecar, 4 volumes
 * (ConfigMap, Secret, emptyDir, the projected service-account token), tolerations and the managedFields a
 * real API server keeps for it (kube-controller-manager's field set mirrors the whole template, the
 * kubelet's names the status fields).
 */
export function makeLargePod(i: number, rv: string): Record<string, unknown> {
  const pod = makePod(i, rv) as {
    metadata: Record<string, unknown>;
    spec: Record<string, unknown>;
    status: Record<string, unknown>;
  };
  const app = (pod.metadata.labels as { app: string }).app;
  const image = `registry.example.com/${app}:v1.${i % 17}.${i % 5}`;
  const env = [
    ["LOG_LEVEL", "info"],
    ["HTTP_PORT", "8080"],
    ["METRICS_PORT", "9090"],
    ["DATABASE_HOST", `postgres.${app}.svc.cluster.local`],
    ["DATABASE_NAME", app.replace("-", "_")],
    ["CACHE_URL", `redis://redis.${app}.svc.cluster.local:6379/0`],
    ["OTEL_SERVICE_NAME", app],
  ].map(([name, value]) => ({ name, value }));
  env.push(
    {
      name: "POD_NAME",
      valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
    } as never,
    {
      name: "POD_NAMESPACE",
      valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
    } as never,
    {
      name: "DATABASE_PASSWORD",
      valueFrom: { secretKeyRef: { name: `${app}-db`, key: "password" } },
    } as never,
  );
  const probe = (path: string, delay: number) => ({
    httpGet: { path, port: 8080, scheme: "HTTP" },
    initialDelaySeconds: delay,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  const mounts = [
    { name: "config", mountPath: "/etc/app", readOnly: true },
    { name: "secrets", mountPath: "/var/run/secrets/app", readOnly: true },
    { name: "cache", mountPath: "/var/cache/app" },
    {
      name: "kube-api-access",
      mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
      readOnly: true,
    },
  ];
  const common = {
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
  };
  const containers = [
    {
      name: "app",
      image,
      command: ["/app/server"],
      args: ["--config=/etc/app/config.yaml", "--listen=:8080"],
      ports: [
        { name: "http", containerPort: 8080, protocol: "TCP" },
        { name: "metrics", containerPort: 9090, protocol: "TCP" },
      ],
      env,
      resources: {
        limits: { cpu: "1", memory: "512Mi" },
        requests: { cpu: "250m", memory: "256Mi" },
      },
      volumeMounts: mounts,
      livenessProbe: probe("/healthz", 10),
      readinessProbe: probe("/ready", 5),
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      },
      ...common,
    },
    {
      name: "proxy",
      image: "registry.example.com/mesh/proxy:1.22.3",
      args: ["proxy", "sidecar", "--concurrency=2"],
      ports: [{ name: "proxy-admin", containerPort: 15000, protocol: "TCP" }],
      resources: {
        limits: { cpu: "500m", memory: "128Mi" },
        requests: { cpu: "50m", memory: "64Mi" },
      },
      volumeMounts: [mounts[3]!],
      ...common,
    },
  ];
  const volumes = [
    { name: "config", configMap: { name: `${app}-config`, defaultMode: 420 } },
    { name: "secrets", secret: { secretName: `${app}-secrets`, defaultMode: 420 } },
    { name: "cache", emptyDir: { sizeLimit: "1Gi" } },
    {
      name: "kube-api-access",
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          {
            downwardAPI: {
              items: [
                {
                  path: "namespace",
                  fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" },
                },
              ],
            },
          },
        ],
      },
    },
  ];
  const spec = {
    ...pod.spec,
    containers,
    volumes,
    serviceAccountName: app,
    securityContext: { fsGroup: 2000, runAsUser: 1000 },
    tolerations: [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: "PreemptLowerPriority",
  };
  const ts = "2026-11-20T10:00:00Z";
  const status = {
    ...pod.status,
    containerStatuses: containers.map((c, k) => ({
      name: c.name,
      state: { running: { startedAt: ts } },
      ready: true,
      restartCount: 0,
      image: c.image,
      imageID: `${c.image}@sha256:${hex(i * 31 + k, 8)}`,
      containerID: `containerd://${hex(i * 7919 + k, 12)}`,
      started: true,
    })),
  };
  const { managedFields: _, ...meta } = pod.metadata;
  const templateFields = fieldSet({ spec: { ...spec, nodeName: undefined } });
  const statusFields = {
    "f:status": {
      "f:conditions": {
        'k:{"type":"ContainersReady"}': {
          ".": {},
          "f:lastTransitionTime": {},
          "f:status": {},
          "f:type": {},
        },
        'k:{"type":"Ready"}': { ".": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {} },
      },
      "f:containerStatuses": {},
      "f:hostIP": {},
      "f:phase": {},
      "f:podIP": {},
      "f:podIPs": {
        ".": {},
        [`k:{"ip":"10.244.${(i >> 8) & 255}.${i & 255}"}`]: { ".": {}, "f:ip": {} },
      },
      "f:startTime": {},
    },
  };
  return {
    ...pod,
    metadata: {
      ...meta,
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
            ...templateFields,
          },
        },
        {
          manager: "kubelet",
          operation: "Update",
          apiVersion: "v1",
          time: ts,
          fieldsType: "FieldsV1",
          fieldsV1: statusFields,
          subresource: "status",
        },
      ],
    },
    spec,
    status,
  };
}
