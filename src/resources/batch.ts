/**
 * Built-in kinds of the `batch/v1` API group: Job and CronJob.
 *
 * @module
 */
import { z } from "zod";
import type { ObjectReference } from "./common.ts";
import {
  type Condition,
  ConditionSchema,
  type LabelSelector,
  LabelSelectorSchema,
  ObjectReferenceSchema,
  objectBase,
  type PodTemplateSpec,
  PodTemplateSpecSchema,
} from "./common.ts";
import { type KubernetesObject, type ObjectMeta, ObjectMetaSchema } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/** The spec of a Job (also used in a CronJob's `jobTemplate`). */
export interface JobSpec {
  template: PodTemplateSpec;
  parallelism?: number | undefined;
  completions?: number | undefined;
  backoffLimit?: number | undefined;
  activeDeadlineSeconds?: number | undefined;
  ttlSecondsAfterFinished?: number | undefined;
  suspend?: boolean | undefined;
  selector?: LabelSelector | undefined;
  completionMode?: string | undefined;
  [key: string]: unknown;
}

const JobSpecSchema: z.ZodType<JobSpec> = z.looseObject({
  template: PodTemplateSpecSchema,
  parallelism: z.number().optional(),
  completions: z.number().optional(),
  backoffLimit: z.number().optional(),
  activeDeadlineSeconds: z.number().optional(),
  ttlSecondsAfterFinished: z.number().optional(),
  suspend: z.boolean().optional(),
  selector: LabelSelectorSchema.optional(),
  completionMode: z.string().optional(),
});

/** A Job. */
export interface Job extends KubernetesObject {
  spec?: JobSpec | undefined;
  status?:
    | {
        active?: number | undefined;
        succeeded?: number | undefined;
        failed?: number | undefined;
        ready?: number | undefined;
        startTime?: string | undefined;
        completionTime?: string | undefined;
        conditions?: Condition[] | undefined;
        [key: string]: unknown;
      }
    | undefined;
}

/** Schema for {@link Job}. */
export const JobSchema: z.ZodType<Job> = z.looseObject({
  ...objectBase,
  spec: JobSpecSchema.optional(),
  status: z
    .looseObject({
      active: z.number().optional(),
      succeeded: z.number().optional(),
      failed: z.number().optional(),
      ready: z.number().optional(),
      startTime: z.string().optional(),
      completionTime: z.string().optional(),
      conditions: z.array(ConditionSchema).optional(),
    })
    .optional(),
});

/** `batch/v1` Jobs. */
export const Jobs: ResourceType<Job> = defineResource({
  group: "batch",
  version: "v1",
  kind: "Job",
  plural: "jobs",
  namespaced: true,
  schema: JobSchema,
});

/** A CronJob. */
export interface CronJob extends KubernetesObject {
  spec?:
    | {
        schedule: string;
        timeZone?: string | undefined;
        jobTemplate: {
          metadata?: ObjectMeta | undefined;
          spec?: JobSpec | undefined;
          [key: string]: unknown;
        };
        concurrencyPolicy?: string | undefined;
        suspend?: boolean | undefined;
        startingDeadlineSeconds?: number | undefined;
        successfulJobsHistoryLimit?: number | undefined;
        failedJobsHistoryLimit?: number | undefined;
        [key: string]: unknown;
      }
    | undefined;
  status?:
    | {
        active?: ObjectReference[] | undefined;
        lastScheduleTime?: string | undefined;
        lastSuccessfulTime?: string | undefined;
        [key: string]: unknown;
      }
    | undefined;
}

/** Schema for {@link CronJob}. */
export const CronJobSchema: z.ZodType<CronJob> = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      schedule: z.string(),
      timeZone: z.string().optional(),
      jobTemplate: z.looseObject({
        metadata: ObjectMetaSchema.optional(),
        spec: JobSpecSchema.optional(),
      }),
      concurrencyPolicy: z.string().optional(),
      suspend: z.boolean().optional(),
      startingDeadlineSeconds: z.number().optional(),
      successfulJobsHistoryLimit: z.number().optional(),
      failedJobsHistoryLimit: z.number().optional(),
    })
    .optional(),
  status: z
    .looseObject({
      active: z.array(ObjectReferenceSchema).optional(),
      lastScheduleTime: z.string().optional(),
      lastSuccessfulTime: z.string().optional(),
    })
    .optional(),
});

/** `batch/v1` CronJobs. */
export const CronJobs: ResourceType<CronJob> = defineResource({
  group: "batch",
  version: "v1",
  kind: "CronJob",
  plural: "cronjobs",
  namespaced: true,
  schema: CronJobSchema,
});
