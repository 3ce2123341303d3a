import {
  type FragmentDefinitionNode,
  Kind,
  Lexer,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Source,
  TokenKind,
} from 'graphql';
import { EngineError } from './errors.js';
import type { QueryLimits } from './limit-defaults.js';

export {
  type CacheBudgets,
  DEFAULT_CACHE_BUDGETS,
  DEFAULT_LIMITS,
  type QueryLimits,
} from './limit-defaults.js';

/**
 * Refuses a document nested deeper than the limit — counted on its tokens, so that neither the
 * parser nor anything after it recurses over a hostile depth.
 */
export function checkDocumentNesting(query: string, limit: number): void {
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  for (;;) {
    let kind: TokenKind;
    try {
      kind = lexer.advance().kind;
    } catch {
      return; // Not a document at all: the parser says so, in its own words.
    }
    if (kind === TokenKind.EOF) return;
    if (kind === TokenKind.BRACE_L || kind === TokenKind.BRACKET_L || kind === TokenKind.PAREN_L) {
      if (++depth > limit)
        throw new EngineError(
          'validation-failed',
          `the document is nested more than ${limit} levels deep (the server's limit)`,
          '$.query',
        );
    } else if (kind === TokenKind.BRACE_R || kind === TokenKind.BRACKET_R || kind === TokenKind.PAREN_R) depth--;
  }
}
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
