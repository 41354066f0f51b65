/**
 * Built-in kinds of `batch/v1`: Job and CronJob. Re-exported from the generated `batch/v1` module
 * (`kubeloop/kinds/batch/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
export {
  type CronJob,
  CronJobSchema,
  CronJobs,
  type Job,
  JobSchema,
  type JobSpec,
  Jobs,
} from "../kinds/batch/v1.ts";
