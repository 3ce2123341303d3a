import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  Kind,
  type SelectionSetNode,
} from 'graphql';

export interface CollectedField {
  /** The alias, or the field name. */
  responseKey: string;
  name: string;
  /** Every node of this response key (GraphQL lets a field repeat; their selections merge). */
  nodes: FieldNode[];
}

export interface Fragments {
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/**
 * Flattens a selection set: fragments spread, @skip/@include applied, repeated response keys
 * merged, first appearance deciding the order (as GraphQL's CollectFields does). Pavise's schemas
 * have no interfaces or unions, so every fragment's type condition is the parent type.
 */
export function collectFields(
  selectionSet: SelectionSetNode,
  context: Fragments,
  into = new Map<string, CollectedField>(),
  visited = new Set<string>(),
): CollectedField[] {
  for (const selection of selectionSet.selections) {
    if (!included(selection, context.variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const existing = into.get(key);
      if (existing) existing.nodes.push(selection);
      else into.set(key, { responseKey: key, name: selection.name.value, nodes: [selection] });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectFields(selection.selectionSet, context, into, visited);
    } else {
      const name = selection.name.value;
      const fragment = context.fragments[name];
      if (!fragment || visited.has(name)) continue;
      visited.add(name);
      collectFields(fragment.selectionSet, context, into, visited);
    }
  }
  return [...into.values()];
}

/** The merged sub-selections of a field that appears several times. */
export function subSelections(field: CollectedField, context: Fragments): CollectedField[] {
  const into = new Map<string, CollectedField>();
  for (const node of field.nodes) if (node.selectionSet) collectFields(node.selectionSet, context, into);
  return [...into.values()];
}

function included(node: Parameters<typeof getDirectiveValues>[1], variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}
