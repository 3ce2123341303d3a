// The engine's limits and cache budgets, and their defaults, apart from the checks that enforce
// them (limits.ts): the configuration reads these at every start of the CLI, which must not load
// graphql-js to learn a number.

export interface QueryLimits {
  /** Deepest field nesting allowed (a root field is depth 1). */
  maxDepth: number;
  /** Field selections allowed in one operation, fragments expanded. */
  maxSelections: number;
  /**
   * Rows any one list may return (an aggregate's nodes included): an upper bound on every limit
   * of what is listed. Aggregate functions count past it, over every row the role may see.
   */
  maxRows: number;
  /** How deeply a request's `where` may nest its _and, _or, _not and relationships. */
  maxFilterDepth: number;
  /** How many expressions (objects of _and, _or, _not, columns) the `where`s of one operation may hold. */
  maxFilterTerms: number;
  /** Deepest nesting of braces, brackets and parentheses in a document, checked before it is parsed. */
  maxDocumentNesting: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 10,
  maxSelections: 1_000,
  maxRows: 10_000,
  maxFilterDepth: 16,
  maxFilterTerms: 1_000,
  maxDocumentNesting: 64,
};

/** What the engine's caches may hold, in bytes (estimated), each evicting its least recently used. */
export interface CacheBudgets {
  /** Parsed and validated operations. */
  plans: number;
  /** Compiled query statements (templates: no request strings in them). */
  statements: number;
  /** The GraphQL schema of each role. */
  schemas: number;
}

export const DEFAULT_CACHE_BUDGETS: CacheBudgets = {
  plans: 32 * 1024 * 1024,
  statements: 16 * 1024 * 1024,
  schemas: 64 * 1024 * 1024,
};
