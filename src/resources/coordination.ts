/**
 * The `coordination.k8s.io/v1` Lease kind. Re-exported from the generated `coordination/v1` module
 * (`kubeloop/kinds/coordination/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
export { type Lease, LeaseSchema, type LeaseSpec, Leases } from "../kinds/coordination/v1.ts";
