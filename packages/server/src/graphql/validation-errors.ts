import { type ASTNode, type DocumentNode, type GraphQLError, Kind, type SelectionSetNode } from 'graphql';
import { EngineError } from './errors.js';

/** Hasura's path of a node: $.selectionSet.a.selectionSet.b (fields by response name). */
export function hasuraPath(document: DocumentNode, target: ASTNode | undefined): string {
  if (!target) return '$';
  const walk = (selectionSet: SelectionSetNode, prefix: string): string | undefined => {
    for (const selection of selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const path = `${prefix}.selectionSet.${selection.alias?.value ?? selection.name.value}`;
      if (selection === target || selection.arguments?.some((a) => a === target)) return path;
      if (selection.selectionSet) {
        const found = walk(selection.selectionSet, path);
        if (found) return found;
      }
    }
    return undefined;
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      const found = walk(definition.selectionSet, '$');
      if (found) return found;
    }
  }
  return '$';
}

/** graphql-js validation messages rewritten to Hasura's wording where clients rely on it. */
export function toHasuraValidationError(document: DocumentNode, error: GraphQLError): EngineError {
  const path = hasuraPath(document, error.nodes?.[0]);
  let match = /^Cannot query field "([^"]+)" on type "([^"]+)"\./.exec(error.message);
  if (match) return new EngineError('validation-failed', `field '${match[1]}' not found in type: '${match[2]}'`, path);
  match = /^Unknown argument "([^"]+)" on field "[^."]+\.([^"]+)"\./.exec(error.message);
  if (match) return new EngineError('validation-failed', `'${match[2]}' has no argument named '${match[1]}'`, path);
  match = /^Field "([^"]+)" is not defined by type "([^"]+)"\./.exec(error.message);
  if (match) return new EngineError('validation-failed', `field '${match[1]}' not found in type: '${match[2]}'`, path);
  return new EngineError('validation-failed', error.message, path);
}

/** Variable coercion problems in Hasura's wording. */
export function toHasuraVariableError(error: GraphQLError): EngineError {
  const missing = /^Variable "\$([^"]+)" of required type "[^"]+" was not provided\./.exec(error.message);
  if (missing)
    return new EngineError('validation-failed', `expecting a value for non-nullable variable: "${missing[1]}"`, '$');
  const nullValue = /^Variable "\$([^"]+)" of non-null type "[^"]+" must not be null\./.exec(error.message);
  if (nullValue)
    return new EngineError('validation-failed', `null value found for non-nullable type: "${nullValue[1]}"`, '$');
  return new EngineError('validation-failed', error.message, '$');
}
