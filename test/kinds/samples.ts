// Valid objects of the kinds a lone kube-apiserver (1.20) stores or answers, by `apiVersion kind`:
// test/kinds/kinds.real.ts creates them on the real server, test/kinds/fake.test.ts on the fake one.
export const labels = { app: "kinds" };
export const podSpec = {
  containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }],
};
const template = { metadata: { labels }, spec: podSpec };
// A certificate signing request for CN=kubeloop-test (a throw-away key; the public half only).
const CSR =
  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIbE1JR05BZ0VBTUNzeEZqQVVCZ05WQkFNTURXdDFZbVZzYjI5d0xYUmxjM1F4RVRBUEJnTlZCQW9NQ0d0MQpZbVZzYjI5d01Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpqMERBUWNEUWdBRTlmSmlHVnhzMlpZNkZkWWZXelVhCkVOMVBQNFJSK0YybU5HVTJ5V1VzMkdaZWcxdE54ZEtVWnJrRmpjdjVoUzNjekEyOGpqQ3RPNkRmc1BzTnRCSmMKV2FBQU1Bb0dDQ3FHU000OUJBTUNBMGNBTUVRQ0lBS1NRMnBwc2NNWnVJMlRwS3ZsS2l6K3hpblM3akVDSnZoWgo5alNGWGlGbEFpQUtxbG9Idmw0SnFjWHNDSGRFN3M4V0Z4TUhGQ2Y1K1c4bU1VczF2ck5qNnc9PQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K";

/**
 * A valid object of each kind a lone 1.20 API server stores, by `apiVersion kind` (`n`: unique
 * name); `name` overrides the object's name where the kind dictates it.
 */
export function samples(n: string, namespace: string): Record<string, Record<string, unknown>> {
  const ref = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" };
  return {
    "v1 ConfigMap": { data: { k: "v" } },
    "v1 Secret": { type: "Opaque", stringData: { k: "v" } },
    "v1 Service": { spec: { ports: [{ port: 80, targetPort: 8080 }], selector: labels } },
    "v1 Endpoints": { subsets: [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80 }] }] },
    "v1 Namespace": {},
    "v1 Node": { spec: { unschedulable: true } },
    "v1 ServiceAccount": {},
    "v1 Event": {
      involvedObject: { kind: "Pod", name: "p", namespace },
      reason: "Test",
      message: "m",
    },
    "v1 Pod": { spec: podSpec },
    "v1 PodTemplate": { template },
    "v1 ReplicationController": { spec: { replicas: 0, selector: labels, template } },
    "v1 LimitRange": { spec: { limits: [{ type: "Container", max: { cpu: "2" } }] } },
    "v1 ResourceQuota": { spec: { hard: { pods: "10", "requests.cpu": "500m" } } },
    "v1 PersistentVolume": {
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        hostPath: { path: `/tmp/${n}` },
      },
    },
    "v1 PersistentVolumeClaim": {
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
    "apps/v1 Deployment": { spec: { replicas: 0, selector: { matchLabels: labels }, template } },
    "apps/v1 ReplicaSet": { spec: { replicas: 0, selector: { matchLabels: labels }, template } },
    "apps/v1 StatefulSet": {
      spec: { replicas: 0, serviceName: n, selector: { matchLabels: labels }, template },
    },
    "apps/v1 DaemonSet": { spec: { selector: { matchLabels: labels }, template } },
    // served by newer servers than 1.20 (the fake server validates them as those do)
    "batch/v1 CronJob": {
      spec: {
        schedule: "*/5 * * * *",
        jobTemplate: {
          spec: {
            template: { metadata: { labels }, spec: { ...podSpec, restartPolicy: "Never" } },
          },
        },
      },
    },
    "discovery.k8s.io/v1 EndpointSlice": {
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.1.2.3"], conditions: { ready: true } }],
      ports: [{ name: "http", port: 80, protocol: "TCP" }],
    },
    "policy/v1 PodDisruptionBudget": {
      spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
    "autoscaling/v2 HorizontalPodAutoscaler": {
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: n },
        maxReplicas: 3,
      },
    },
    "apps/v1 ControllerRevision": { revision: 1, data: { spec: { template } } },
    "batch/v1 Job": {
      spec: {
        template: { metadata: { labels }, spec: { ...podSpec, restartPolicy: "Never" } },
      },
    },
    "autoscaling/v1 HorizontalPodAutoscaler": {
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: n },
        maxReplicas: 3,
        targetCPUUtilizationPercentage: 80,
      },
    },
    "networking.k8s.io/v1 Ingress": {
      spec: {
        rules: [
          {
            host: "example.com",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: n, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    "networking.k8s.io/v1 IngressClass": { spec: { controller: "example.com/ingress" } },
    "networking.k8s.io/v1 NetworkPolicy": {
      spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress"] },
    },
    "rbac.authorization.k8s.io/v1 Role": {
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
    },
    "rbac.authorization.k8s.io/v1 RoleBinding": {
      roleRef: ref,
      subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }],
    },
    "rbac.authorization.k8s.io/v1 ClusterRole": {
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`kl-${n}`]: "true" } }] },
    },
    "rbac.authorization.k8s.io/v1 ClusterRoleBinding": {
      roleRef: ref,
      subjects: [{ kind: "User", name: `kl-${n}`, apiGroup: "rbac.authorization.k8s.io" }],
    },
    "storage.k8s.io/v1 StorageClass": { provisioner: "example.com/none", reclaimPolicy: "Delete" },
    "storage.k8s.io/v1 VolumeAttachment": {
      spec: { attacher: "example.com", nodeName: n, source: { persistentVolumeName: n } },
    },
    "storage.k8s.io/v1 CSIDriver": { spec: { attachRequired: false, podInfoOnMount: true } },
    "storage.k8s.io/v1 CSINode": { spec: { drivers: [{ name: "example.com", nodeID: n }] } },
    "scheduling.k8s.io/v1 PriorityClass": { value: 1000, description: "kubeloop test" },
    "coordination.k8s.io/v1 Lease": { spec: { holderIdentity: "me", leaseDurationSeconds: 15 } },
    "events.k8s.io/v1 Event": {
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "kubeloop.dev/test",
      reportingInstance: "test",
      action: "Test",
      reason: "Test",
      regarding: { kind: "Pod", name: "p", namespace },
      type: "Normal",
    },
    "node.k8s.io/v1 RuntimeClass": { handler: "runc" },
    "certificates.k8s.io/v1 CertificateSigningRequest": {
      spec: {
        request: CSR,
        signerName: "example.com/kubeloop",
        usages: ["digital signature", "key encipherment"],
      },
    },
    "admissionregistration.k8s.io/v1 MutatingWebhookConfiguration": { webhooks: [] },
    "admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration": { webhooks: [] },
    "apiextensions.k8s.io/v1 CustomResourceDefinition": {
      name: `things.${n}.example.com`,
      spec: {
        group: `${n}.example.com`,
        scope: "Namespaced",
        names: { plural: "things", kind: "Thing" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        ],
      },
    },
    "apiregistration.k8s.io/v1 APIService": {
      name: `v1.api.${n}.example.com`,
      spec: {
        group: `api.${n}.example.com`,
        version: "v1",
        groupPriorityMinimum: 100,
        versionPriority: 10,
        service: { name: n, namespace: "default", port: 443 },
        insecureSkipTLSVerify: true,
      },
    },
  };
}

/** Kinds the server answers but does not store: a create returns the filled-in object. */
export function answers(n: string, namespace: string): Record<string, Record<string, unknown>> {
  const attrs = { namespace, verb: "get", resource: "configmaps" };
  return {
    "authentication.k8s.io/v1 TokenReview": { spec: { token: "not-a-valid-token" } },
    "authorization.k8s.io/v1 SubjectAccessReview": {
      spec: { user: `kl-${n}`, resourceAttributes: attrs },
    },
    "authorization.k8s.io/v1 SelfSubjectAccessReview": { spec: { resourceAttributes: attrs } },
    "authorization.k8s.io/v1 SelfSubjectRulesReview": { spec: { namespace: "default" } },
    "authorization.k8s.io/v1 LocalSubjectAccessReview": {
      spec: { user: `kl-${n}`, resourceAttributes: attrs },
    },
  };
}
