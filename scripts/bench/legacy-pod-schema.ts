/**
 * The Pod schema kubeloop validated with before its kinds were generated (hand-written, zod
 * classic, checking only the fields controllers commonly read), kept as the "before" of the
 * validation benchmark. Not used anywhere else.
 */
import { z } from "zod";

const stringMap = z.custom<Record<string, string>>((v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  for (const k in v) if (typeof (v as Record<string, unknown>)[k] !== "string") return false;
  return true;
});

const ObjectMeta = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: z.number().int().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  ownerReferences: z
    .array(
      z.looseObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
        blockOwnerDeletion: z.boolean().optional(),
      }),
    )
    .optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z
    .array(
      z.looseObject({
        manager: z.string().optional(),
        operation: z.string().optional(),
        apiVersion: z.string().optional(),
        time: z.string().optional(),
        fieldsType: z.string().optional(),
        fieldsV1: z.unknown().optional(),
        subresource: z.string().optional(),
      }),
    )
    .optional(),
});

const Container = z.looseObject({ name: z.string(), image: z.string().optional() });

const Condition = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  lastProbeTime: z.string().nullable().optional(),
  lastHeartbeatTime: z.string().optional(),
  observedGeneration: z.number().optional(),
});

const ContainerStatus = z.looseObject({
  name: z.string(),
  ready: z.boolean().optional(),
  restartCount: z.number().optional(),
  image: z.string().optional(),
  imageID: z.string().optional(),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
});

/** The hand-written `PodSchema` of kubeloop 0.1.0. */
export const LegacyPodSchema: z.ZodType<unknown> = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta,
  spec: z
    .looseObject({
      containers: z.array(Container),
      initContainers: z.array(Container).optional(),
      ephemeralContainers: z.array(Container).optional(),
      nodeName: z.string().optional(),
      serviceAccountName: z.string().optional(),
      restartPolicy: z.string().optional(),
      nodeSelector: stringMap.optional(),
      hostNetwork: z.boolean().optional(),
      priority: z.number().optional(),
      schedulerName: z.string().optional(),
    })
    .optional(),
  status: z
    .looseObject({
      phase: z.string().optional(),
      conditions: z.array(Condition).optional(),
      message: z.string().optional(),
      reason: z.string().optional(),
      hostIP: z.string().optional(),
      podIP: z.string().optional(),
      podIPs: z.array(z.looseObject({ ip: z.string() })).optional(),
      startTime: z.string().optional(),
      qosClass: z.string().optional(),
      containerStatuses: z.array(ContainerStatus).optional(),
      initContainerStatuses: z.array(ContainerStatus).optional(),
    })
    .optional(),
});
