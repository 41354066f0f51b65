/**
 * The `apiextensions.k8s.io/v1` CustomResourceDefinition kind. Re-exported from the generated `apiextensions/v1` module
 * (`kubeloop/kinds/apiextensions/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
export {
  type CustomResourceDefinition,
  type CustomResourceDefinitionNames,
  CustomResourceDefinitionSchema,
  CustomResourceDefinitions,
  type CustomResourceDefinitionVersion,
  type JSONSchemaProps,
} from "../kinds/apiextensions/v1.ts";
