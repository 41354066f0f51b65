/**
 * What the API server does per kind, beyond storing JSON: its registry
 * strategies (generation, status and scale subresources, defaulting,
 * allocation, validation, field selectors, what a delete returns), written
 * down for the kinds kubeloop serves and measured against a real
 * kube-apiserver (see `test/conformance/`).
 *
 * @module
 */
import type { KubernetesObject, StatusCause } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import { crdDefaults } from "./crd.ts";
import { bool, type FieldLabels, num, str } from "./selectors.ts";
import {
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  invalidCause,
  requiredCause,
} from "./validation.ts";

/** Where a scale subresource reads and writes replicas. */
export interface ScaleInfo {
  /** Dotted path of the desired replicas, e.g. `spec.replicas`. */
  specReplicasPath: string;
  /** Dotted path of the observed replicas, e.g. `status.replicas`. */
  statusReplicasPath: string;
  /** Dotted path of the label selector (a string for custom resources, a `LabelSelector` for built-ins). */
  labelSelectorPath?: string | undefined;
}

/** What the fake server needs at the moment of a write. */
export interface WriteContext {
  /** Allocate a cluster IP for a Service. */
  allocateClusterIP(): string;
  /** The object's uid (set before defaulting on create). */
  uid: string;
  /** A dry run: the API server allocates nothing (no cluster IP). */
  dryRun: boolean;
}

/** A kind's behaviour in the API server (a registry strategy). */
export interface KindStrategy {
  /** `metadata.generation` starts at 1 and moves with every spec change. */
  readonly generation: boolean;
  /** The kind has a `/status` subresource: main writes keep status, status writes keep the rest. */
  readonly statusSubresource: boolean;
  /** The kind has a `/scale` subresource. */
  readonly scale?: ScaleInfo | undefined;
  /** A successful immediate delete answers with the object (else a `Status` of success). */
  readonly returnDeletedObject: boolean;
  /** How names are validated: DNS subdomain (most kinds), DNS label, or DNS-1035 label (Services). */
  readonly nameRule: "subdomain" | "label" | "dns1035";
  /** Field selectors beyond `metadata.name`/`metadata.namespace`. */
  readonly fieldLabels?: FieldLabels | undefined;
  /** Defaulting: fills in what the API server fills in (mutates `obj`). */
  readonly defaults?: ((obj: Record<string, unknown>) => void) | undefined;
  /** On create only: allocations and derived fields (mutates `obj`). */
  readonly prepareCreate?: ((obj: Record<string, unknown>, ctx: WriteContext) => void) | undefined;
  /** On update only (mutates `obj`, the new object; `old` is stored). */
  readonly prepareUpdate?:
    | ((obj: Record<string, unknown>, old: Record<string, unknown>) => void)
    | undefined;
  /** Per-kind validation (causes; empty when valid). */
  readonly validate?:
    | ((obj: Record<string, unknown>, old: Record<string, unknown> | undefined) => StatusCause[])
    | undefined;
  /** Short names and categories, as discovery lists them. */
  readonly shortNames?: readonly string[] | undefined;
  readonly categories?: readonly string[] | undefined;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

function child(parent: Obj, key: string): Obj {
  const existing = obj(parent[key]);
  if (existing) return existing;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? (v.filter((x) => obj(x)) as Obj[]) : [];
}

function imagePullPolicy(image: unknown): string {
  if (typeof image !== "string") return "IfNotPresent";
  if (image.includes("@")) return "IfNotPresent";
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  const tag = colon >= 0 ? last.slice(colon + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(p: unknown): void {
  const probe = obj(p);
  if (!probe) return;
  setDefault(probe, "timeoutSeconds", 1);
  setDefault(probe, "periodSeconds", 10);
  setDefault(probe, "successThreshold", 1);
  setDefault(probe, "failureThreshold", 3);
  defaultHttpGet(probe.httpGet);
}

function defaultHttpGet(h: unknown): void {
  const get = obj(h);
  if (!get) return;
  setDefault(get, "path", "/");
  setDefault(get, "scheme", "HTTP");
}

function defaultContainer(c: Obj): void {
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  setDefault(c, "imagePullPolicy", imagePullPolicy(c.image));
  setDefault(c, "resources", {});
  for (const port of list(c.ports)) setDefault(port, "protocol", "TCP");
  for (const env of list(c.env)) {
    const ref = obj(obj(env.valueFrom)?.fieldRef);
    if (ref) setDefault(ref, "apiVersion", "v1");
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lifecycle = obj(c.lifecycle);
  if (lifecycle) {
    defaultHttpGet(obj(lifecycle.postStart)?.httpGet);
    defaultHttpGet(obj(lifecycle.preStop)?.httpGet);
  }
}

const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
];

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  for (const key of ["secret", "configMap", "downwardAPI", "projected"]) {
    const src = obj(v[key]);
    if (src) setDefault(src, key === "projected" ? "defaultMode" : "defaultMode", 420);
  }
  const hostPath = obj(v.hostPath);
  if (hostPath) setDefault(hostPath, "type", "");
}

/** `SetDefaults_PodSpec` and the container, volume and probe defaults under it. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "securityContext", {});
  setDefault(spec, "schedulerName", "default-scheduler");
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    defaultContainer(c);
    if (spec.hostNetwork === true) {
      for (const p of list(c.ports)) setDefault(p, "hostPort", p.containerPort);
    }
  }
  for (const v of list(spec.volumes)) defaultVolume(v);
}

/** A pod template as the API server stores it: defaults, and `creationTimestamp: null`. */
function defaultTemplate(template: unknown): void {
  const t = obj(template);
  if (!t) return;
  const meta = child(t, "metadata");
  // as the API server writes it (a zero time): every pod template carries `"creationTimestamp": null`
  if (!("creationTimestamp" in meta)) meta.creationTimestamp = null;
  defaultPodSpec(child(t, "spec"));
}

function qosClass(spec: Obj): string {
  const containers = [...list(spec.containers), ...list(spec.initContainers)];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = obj(c.resources) ?? {};
    const req = obj(res.requests) ?? {};
    const lim = obj(res.limits) ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) {
        guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

const DEFAULT_TOLERATIONS = [
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
];

function defaultPod(o: Obj): void {
  const spec = child(o, "spec");
  defaultPodSpec(spec);
  setDefault(spec, "enableServiceLinks", true);
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    const res = obj(c.resources);
    const lim = obj(res?.limits);
    if (res && lim) {
      const req = child(res, "requests");
      for (const [k, v] of Object.entries(lim)) setDefault(req, k, v);
    }
  }
}

function preparePod(o: Obj): void {
  const spec = child(o, "spec");
  // admission: Priority and DefaultTolerationSeconds
  setDefault(spec, "priority", 0);
  setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as Obj[]) : [];
  for (const t of DEFAULT_TOLERATIONS) {
    if (
      !tolerations.some((x) => x.key === t.key && (x.effect === undefined || x.effect === t.effect))
    ) {
      tolerations.push({ ...t });
    }
  }
  spec.tolerations = tolerations;
  o.status = { phase: "Pending", qosClass: qosClass(spec) };
}

function replicasAndStatus(o: Obj): void {
  const spec = child(o, "spec");
  setDefault(spec, "replicas", 1);
  defaultTemplate(spec.template);
}

function defaultDeployment(o: Obj): void {
  const spec = child(o, "spec");
  replicasAndStatus(o);
  const strategy = child(spec, "strategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = child(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", "25%");
    setDefault(ru, "maxSurge", "25%");
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  setDefault(spec, "progressDeadlineSeconds", 600);
}

function defaultStatefulSet(o: Obj): void {
  const spec = child(o, "spec");
  replicasAndStatus(o);
  setDefault(spec, "podManagementPolicy", "OrderedReady");
  const strategy = child(spec, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate")
    setDefault(child(strategy, "rollingUpdate"), "partition", 0);
  setDefault(spec, "revisionHistoryLimit", 10);
  for (const pvc of list(spec.volumeClaimTemplates)) {
    setDefault(pvc, "kind", "PersistentVolumeClaim");
    setDefault(pvc, "apiVersion", "v1");
    const meta = child(pvc, "metadata");
    if (!("creationTimestamp" in meta)) meta.creationTimestamp = null;
    setDefault(child(pvc, "spec"), "volumeMode", "Filesystem");
    setDefault(pvc, "status", { phase: "Pending" });
  }
}

function defaultDaemonSet(o: Obj): void {
  const spec = child(o, "spec");
  defaultTemplate(spec.template);
  const strategy = child(spec, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate")
    setDefault(child(strategy, "rollingUpdate"), "maxUnavailable", 1);
  setDefault(spec, "revisionHistoryLimit", 10);
}

function defaultJobSpec(spec: Obj): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, "parallelism", 1);
  setDefault(spec, "backoffLimit", 6);
  defaultTemplate(spec.template);
}

function prepareJob(o: Obj, ctx: WriteContext): void {
  const spec = child(o, "spec");
  const meta = child(o, "metadata");
  if (spec.manualSelector !== true) {
    const labels = { "controller-uid": ctx.uid, "job-name": String(meta.name ?? "") };
    spec.selector = { matchLabels: { "controller-uid": ctx.uid } };
    const tmeta = child(child(spec, "template"), "metadata");
    tmeta.labels = { ...(obj(tmeta.labels) ?? {}), ...labels };
  }
  if (!obj(meta.labels) || Object.keys(meta.labels as Obj).length === 0) {
    const tlabels = obj(obj(obj(spec.template)?.metadata)?.labels);
    if (tlabels) meta.labels = { ...tlabels };
  }
  o.status = {};
}

function defaultCronJob(o: Obj): void {
  const spec = child(o, "spec");
  setDefault(spec, "concurrencyPolicy", "Allow");
  setDefault(spec, "suspend", false);
  setDefault(spec, "successfulJobsHistoryLimit", 3);
  setDefault(spec, "failedJobsHistoryLimit", 1);
  const jt = child(spec, "jobTemplate");
  const jmeta = child(jt, "metadata");
  if (!("creationTimestamp" in jmeta)) jmeta.creationTimestamp = null;
  const jspec = child(jt, "spec");
  defaultTemplate(jspec.template);
}

function defaultService(o: Obj): void {
  const spec = child(o, "spec");
  setDefault(spec, "type", "ClusterIP");
  setDefault(spec, "sessionAffinity", "None");
  for (const p of list(spec.ports)) {
    setDefault(p, "protocol", "TCP");
    setDefault(p, "targetPort", p.port);
  }
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
    setDefault(spec, "externalTrafficPolicy", "Cluster");
  }
}

function prepareService(o: Obj, ctx: WriteContext): void {
  const spec = child(o, "spec");
  if (spec.type !== "ExternalName" && !ctx.dryRun) {
    if (spec.clusterIP === undefined || spec.clusterIP === "")
      spec.clusterIP = ctx.allocateClusterIP();
    if (spec.clusterIPs === undefined) spec.clusterIPs = [spec.clusterIP];
  }
  o.status = { loadBalancer: {} };
}

function prepareServiceUpdate(o: Obj, old: Obj): void {
  const spec = child(o, "spec");
  const oldSpec = obj(old.spec) ?? {};
  // a changed clusterIP carries into clusterIPs (then validation refuses the change)
  if (
    Array.isArray(spec.clusterIPs) &&
    JSON.stringify(spec.clusterIPs) === JSON.stringify(oldSpec.clusterIPs) &&
    spec.clusterIP !== undefined &&
    spec.clusterIP !== oldSpec.clusterIP
  ) {
    spec.clusterIPs = [spec.clusterIP];
  } else if (
    spec.clusterIPs === undefined &&
    spec.clusterIP !== undefined &&
    spec.clusterIP !== ""
  ) {
    spec.clusterIPs = [spec.clusterIP];
  }
}

function validateService(o: Obj, old: Obj | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(o.spec) ?? {};
  if (spec.type !== "ExternalName" && list(spec.ports).length === 0) {
    causes.push(requiredCause("spec.ports"));
  }
  const oldIPs = obj(old?.spec)?.clusterIPs;
  if (old && Array.isArray(oldIPs) && spec.clusterIPs === undefined) {
    // Kubernetes 1.20: an update that leaves the cluster IP out is refused
    causes.push({
      reason: "FieldValueInvalid",
      message: "Invalid value: []string(nil): primary clusterIP can not be unset",
      field: "spec.clusterIPs[0]",
    });
  } else if (
    old &&
    Array.isArray(oldIPs) &&
    JSON.stringify(spec.clusterIPs) !== JSON.stringify(oldIPs)
  ) {
    const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : [];
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: []string{${ips.map((ip) => JSON.stringify(ip)).join(", ")}}: may not change once set`,
      field: "spec.clusterIPs[0]",
    });
  }
  return causes;
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function defaultSecret(o: Obj): void {
  setDefault(o, "type", "Opaque");
  // stringData is write-only: folded into data, never stored
  const stringData = obj(o.stringData);
  if (stringData) {
    const data = child(o, "data");
    for (const [k, v] of Object.entries(stringData)) data[k] = base64(String(v));
  }
  delete o.stringData;
}

/** Go's `%#v` of a `map[string]string`. */
function goStringMap(m: unknown): string {
  const entries = Object.entries((m as Record<string, string>) ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  );
  return `map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(", ")}}`;
}

/** Go's `%#v` of a `v1.LabelSelector`. */
function goLabelSelector(sel: unknown): string {
  const s = (sel as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }) ?? {};
  const ml = s.matchLabels ? goStringMap(s.matchLabels) : "map[string]string(nil)";
  const me = s.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${(
        s.matchExpressions as { key: string; operator: string; values?: string[] }[]
      )
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${e.values ? `[]string{${e.values.map((v) => JSON.stringify(v)).join(", ")}}` : "[]string(nil)"}}`,
        )
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const MAX_CONFIG_BYTES = 1024 * 1024;

/** ConfigMap and Secret data: key syntax and the 1 MiB total. */
function validateData(o: Obj, kind: "ConfigMap" | "Secret"): StatusCause[] {
  const causes: StatusCause[] = [];
  let total = 0;
  const enc = new TextEncoder();
  for (const field of kind === "ConfigMap" ? ["data", "binaryData"] : ["data", "stringData"]) {
    for (const [k, v] of Object.entries(obj(o[field]) ?? {})) {
      if (!CONFIG_KEY_RE.test(k) || k.length > 253) {
        causes.push(
          invalidCause(
            `${field}[${k}]`,
            k,
            k.length > 253
              ? "must be no more than 253 characters"
              : "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          ),
        );
      }
      total +=
        enc.encode(k).length +
        (typeof v === "string"
          ? field === "binaryData" || (kind === "Secret" && field === "data")
            ? Math.floor((v.length * 3) / 4)
            : enc.encode(v).length
          : 0);
    }
  }
  if (total > MAX_CONFIG_BYTES) {
    causes.push({
      reason: "FieldValueTooLong",
      message: `Too long: must have at most ${MAX_CONFIG_BYTES} bytes`,
      field: kind === "ConfigMap" ? "[]" : "data",
    });
  }
  return causes;
}

function immutableData(o: Obj, old: Obj | undefined): StatusCause[] {
  if (old?.immutable !== true) return [];
  const causes: StatusCause[] = [];
  for (const key of ["data", "binaryData", "stringData"]) {
    if (JSON.stringify(o[key] ?? null) !== JSON.stringify(old[key] ?? null)) {
      causes.push({
        reason: "FieldValueForbidden",
        message: "Forbidden: field is immutable when `immutable` is set",
        field: key,
      });
    }
  }
  if (o.immutable !== true) {
    causes.push({
      reason: "FieldValueForbidden",
      message: "Forbidden: field is immutable when `immutable` is set",
      field: "immutable",
    });
  }
  return causes;
}

/** Workloads: a selector that selects the template, and (apps/v1) never changes. */
function validateWorkload(o: Obj, old: Obj | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(o.spec) ?? {};
  const sel = obj(spec.selector);
  if (!sel) {
    causes.push(requiredCause("spec.selector"));
  } else {
    const labels = obj(obj(obj(spec.template)?.metadata)?.labels) ?? {};
    const ml = obj(sel.matchLabels) ?? {};
    const matches = Object.entries(ml).every(([k, v]) => labels[k] === v);
    if (!matches) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``,
        field: "spec.template.metadata.labels",
      });
    }
  }
  if (old) {
    const oldSel = obj(old.spec)?.selector;
    if (JSON.stringify(sel ?? null) !== JSON.stringify(oldSel ?? null)) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${goLabelSelector(sel)}: field is immutable`,
        field: "spec.selector",
      });
    }
  }
  return causes;
}

/** Pods: containers with names and images; after creation only images, deadlines and new tolerations change. */
function validatePod(o: Obj, old: Obj | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(o.spec) ?? {};
  const containers = list(spec.containers);
  if (containers.length === 0) causes.push(requiredCause("spec.containers"));
  containers.forEach((c, i) => {
    if (!c.name) causes.push(requiredCause(`spec.containers[${i}].name`));
    if (!c.image && !old) causes.push(requiredCause(`spec.containers[${i}].image`));
  });
  if (old) {
    const strip = (sp: unknown): string => {
      const copy = structuredClone((sp as Obj) ?? {});
      for (const key of ["containers", "initContainers"]) {
        for (const c of list(copy[key])) delete c.image;
      }
      delete copy.activeDeadlineSeconds;
      delete copy.tolerations;
      return JSON.stringify(copy);
    };
    if (strip(o.spec) !== strip(old.spec)) {
      causes.push({
        reason: "FieldValueForbidden",
        message:
          "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to existing tolerations)",
        field: "spec",
      });
    }
  }
  return causes;
}

function validateEvent(o: Obj): StatusCause[] {
  const meta = obj(o.metadata) ?? {};
  const involved = obj(o.involvedObject) ?? {};
  const ns = String(involved.namespace ?? "");
  if (ns !== String(meta.namespace ?? "")) {
    return [invalidCause("involvedObject.namespace", ns, "does not match event.namespace")];
  }
  return [];
}

function defaultNamespace(o: Obj): void {
  const spec = child(o, "spec");
  setDefault(spec, "finalizers", ["kubernetes"]);
}

const POD_FIELDS: FieldLabels = {
  custom: true,
  labels: {
    "spec.nodeName": str("spec.nodeName"),
    "spec.restartPolicy": str("spec.restartPolicy"),
    "spec.schedulerName": str("spec.schedulerName"),
    "spec.serviceAccountName": str("spec.serviceAccountName"),
    "status.phase": str("status.phase"),
    "status.podIP": str("status.podIP"),
    "status.podIPs": str("status.podIP"),
    "status.nominatedNodeName": str("status.nominatedNodeName"),
  },
  aliases: { "spec.host": "spec.nodeName" },
};

const EVENT_FIELDS: FieldLabels = {
  custom: true,
  labels: {
    "involvedObject.kind": str("involvedObject.kind"),
    "involvedObject.namespace": str("involvedObject.namespace"),
    "involvedObject.name": str("involvedObject.name"),
    "involvedObject.uid": str("involvedObject.uid"),
    "involvedObject.apiVersion": str("involvedObject.apiVersion"),
    "involvedObject.resourceVersion": str("involvedObject.resourceVersion"),
    "involvedObject.fieldPath": str("involvedObject.fieldPath"),
    reason: str("reason"),
    reportingComponent: str("reportingComponent"),
    source: str("source.component"),
    type: str("type"),
  },
};

const DEFAULT: KindStrategy = {
  generation: false,
  statusSubresource: false,
  returnDeletedObject: false,
  nameRule: "subdomain",
};

const APPS_SCALE: ScaleInfo = {
  specReplicasPath: "spec.replicas",
  statusReplicasPath: "status.replicas",
  labelSelectorPath: "spec.selector",
};

const STRATEGIES: Record<string, Partial<KindStrategy>> = {
  "/Pod": {
    statusSubresource: true,
    returnDeletedObject: true,
    fieldLabels: POD_FIELDS,
    defaults: defaultPod,
    validate: validatePod,
    prepareCreate: preparePod,
    shortNames: ["po"],
    categories: ["all"],
  },
  "/Service": {
    statusSubresource: true,
    nameRule: "dns1035",
    defaults: defaultService,
    prepareCreate: prepareService,
    prepareUpdate: prepareServiceUpdate,
    validate: validateService,
    shortNames: ["svc"],
    categories: ["all"],
  },
  "/Secret": {
    fieldLabels: { custom: true, labels: { type: str("type") } },
    defaults: defaultSecret,
    validate: (o, old) => [...validateData(o, "Secret"), ...immutableData(o, old)],
  },
  "/ConfigMap": {
    validate: (o, old) => [...validateData(o, "ConfigMap"), ...immutableData(o, old)],
    shortNames: ["cm"],
  },
  "/Namespace": {
    statusSubresource: true,
    nameRule: "label",
    returnDeletedObject: true,
    fieldLabels: { custom: true, labels: { "status.phase": str("status.phase") } },
    defaults: defaultNamespace,
    prepareCreate: (o) => {
      o.status = { phase: "Active" };
    },
    shortNames: ["ns"],
  },
  "/Node": {
    statusSubresource: true,
    prepareCreate: (o) => {
      // admission (TaintNodesByCondition): a new node is not ready until its kubelet says so
      const spec = child(o, "spec");
      const taints = list(spec.taints);
      if (!taints.some((t) => t.key === "node.kubernetes.io/not-ready")) {
        taints.push({ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" });
      }
      spec.taints = taints;
    },
    fieldLabels: { custom: true, labels: { "spec.unschedulable": bool("spec.unschedulable") } },
    shortNames: ["no"],
  },
  "/Event": { fieldLabels: EVENT_FIELDS, validate: validateEvent, shortNames: ["ev"] },
  "/Endpoints": {
    shortNames: ["ep"],
    defaults: (o) => {
      for (const subset of list(o.subsets))
        for (const p of list(subset.ports)) setDefault(p, "protocol", "TCP");
    },
  },
  "/ServiceAccount": { shortNames: ["sa"] },
  "events.k8s.io/Event": { shortNames: ["ev"] },
  "apps/Deployment": {
    generation: true,
    statusSubresource: true,
    scale: APPS_SCALE,
    defaults: defaultDeployment,
    prepareCreate: (o) => {
      o.status = {};
    },
    validate: validateWorkload,
    shortNames: ["deploy"],
    categories: ["all"],
  },
  "apps/ReplicaSet": {
    generation: true,
    statusSubresource: true,
    scale: APPS_SCALE,
    defaults: replicasAndStatus,
    prepareCreate: (o) => {
      o.status = { replicas: 0 };
    },
    validate: validateWorkload,
    fieldLabels: { custom: true, labels: { "status.replicas": num("status.replicas") } },
    shortNames: ["rs"],
    categories: ["all"],
  },
  "apps/StatefulSet": {
    generation: true,
    statusSubresource: true,
    scale: APPS_SCALE,
    defaults: defaultStatefulSet,
    prepareCreate: (o) => {
      o.status = { replicas: 0 };
    },
    validate: validateWorkload,
    shortNames: ["sts"],
    categories: ["all"],
  },
  "apps/DaemonSet": {
    generation: true,
    statusSubresource: true,
    defaults: defaultDaemonSet,
    prepareCreate: (o) => {
      const meta = child(o, "metadata");
      meta.annotations = {
        ...(obj(meta.annotations) ?? {}),
        "deprecated.daemonset.template.generation": "1",
      };
      o.status = {
        currentNumberScheduled: 0,
        numberMisscheduled: 0,
        desiredNumberScheduled: 0,
        numberReady: 0,
      };
    },
    validate: validateWorkload,
    shortNames: ["ds"],
    categories: ["all"],
  },
  "batch/Job": {
    statusSubresource: true,
    defaults: (o) => defaultJobSpec(child(o, "spec")),
    prepareCreate: prepareJob,
    fieldLabels: { custom: true, labels: { "status.successful": num("status.succeeded") } },
    categories: ["all"],
  },
  "batch/CronJob": {
    statusSubresource: true,
    defaults: defaultCronJob,
    prepareCreate: (o) => {
      o.status = {};
    },
    shortNames: ["cj"],
    categories: ["all"],
  },
  "apiextensions.k8s.io/CustomResourceDefinition": {
    generation: true,
    statusSubresource: true,
    defaults: crdDefaults,
    prepareCreate: (o) => {
      const versions =
        (obj(o.spec)?.versions as { name: string; storage?: boolean }[] | undefined) ?? [];
      o.status = {
        conditions: null,
        acceptedNames: { plural: "", kind: "" },
        storedVersions: versions.filter((v) => v.storage).map((v) => v.name),
      };
    },
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
  },
};

const cache = new WeakMap<ResourceType, KindStrategy>();

/** Whether `group` is one of Kubernetes' own API groups (not a custom resource's). */
export function isKubernetesGroup(group: string): boolean {
  return (
    group === "" ||
    group.endsWith(".k8s.io") ||
    ["apps", "batch", "autoscaling", "policy", "extensions"].includes(group)
  );
}

/**
 * The strategy of a resource type: a built-in's from the table above, a
 * CRD-made custom resource's from its CRD; a custom resource registered by
 * hand (`server.register`) tracks its generation and has a status
 * subresource unless its type lists subresources without it.
 */
export function strategyFor(type: ResourceType): KindStrategy {
  let s = cache.get(type);
  if (!s) {
    const custom = (type as { strategy?: Partial<KindStrategy> }).strategy;
    const subresources = (type as { subresources?: readonly string[] }).subresources;
    const registered: Partial<KindStrategy> = isKubernetesGroup(type.group)
      ? {}
      : {
          generation: true,
          statusSubresource: subresources ? subresources.includes("status") : true,
        };
    s = {
      ...DEFAULT,
      ...registered,
      ...(STRATEGIES[`${type.group}/${type.kind}`] ?? {}),
      ...(custom ?? {}),
    };
    cache.set(type, s);
  }
  return s;
}

/** Problems with an object's name for its kind (`ValidateObjectMeta`'s name check). */
export function nameProblems(rule: KindStrategy["nameRule"], name: string): string[] {
  if (rule === "label") return dns1123Label(name);
  if (rule === "dns1035") return dns1035Label(name);
  return dns1123Subdomain(name);
}

/** Whether `type` is a Kubernetes kind (decoded into Go types by the API server), not a custom resource. */
export function hasBuiltinStrategy(type: ResourceType): boolean {
  return isKubernetesGroup(type.group) && (type as { crd?: string }).crd === undefined;
}

export type { KubernetesObject };
