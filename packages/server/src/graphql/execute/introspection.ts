import { type DocumentNode, execute, type FragmentDefinitionNode, Kind, type OperationDefinitionNode } from 'graphql';
import type { CollectedField } from '../compile/collect-fields.js';
import { EngineError } from '../errors.js';
import type { RoleSchema } from '../schema/build-schema.js';

/** Answers the introspection fields of an operation (`__schema`, `__type`) from the role's schema, by graphql-js. */
export function introspect(
  roleSchema: RoleSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  fields: CollectedField[],
  variables: Record<string, unknown>,
): Record<string, unknown> {
  const only: OperationDefinitionNode = {
    ...operation,
    selectionSet: { kind: Kind.SELECTION_SET, selections: fields.flatMap((f) => f.nodes) },
  };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [only, ...Object.values(fragments)] };
  const result = execute({ schema: roleSchema.schema, document, variableValues: variables });
  if ('then' in result || result.errors) throw new EngineError('unexpected', 'introspection failed', '$');
  return result.data as Record<string, unknown>;
}
