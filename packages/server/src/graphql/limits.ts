import { type FragmentDefinitionNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { EngineError } from './errors.js';

export interface QueryLimits {
  /** Deepest field nesting allowed (a root field is depth 1). */
  maxDepth: number;
  /** Field selections allowed in one operation, fragments expanded. */
  maxSelections: number;
  /** Rows any one list may return: an upper bound on every limit. */
  maxRows: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 10, maxSelections: 1_000, maxRows: 10_000 };

/** Rejects an operation deeper or wider than the limits, before any SQL is built. */
export function checkLimits(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  limits: QueryLimits,
): void {
  let selections = 0;
  let deepest = 0;
  const walk = (selectionSet: SelectionSetNode, depth: number, expanding: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        selections++;
        deepest = Math.max(deepest, depth);
        if (selections > limits.maxSelections) {
          throw new EngineError(
            'validation-failed',
            `the operation selects more than ${limits.maxSelections} fields (the server's limit)`,
            '$',
          );
        }
        if (selection.selectionSet) walk(selection.selectionSet, depth + 1, expanding);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, depth, expanding);
      } else {
        const fragment = fragments[selection.name.value];
        // Validation has already refused fragment cycles; the guard keeps this walk finite regardless.
        if (!fragment || expanding.has(fragment.name.value)) continue;
        walk(fragment.selectionSet, depth, new Set([...expanding, fragment.name.value]));
      }
      if (deepest > limits.maxDepth) {
        throw new EngineError(
          'validation-failed',
          `the operation is nested ${deepest} levels deep; the server allows ${limits.maxDepth}`,
          '$',
        );
      }
    }
  };
  walk(operation.selectionSet, 1, new Set());
}
