import { EngineError } from '../errors.js';
import type { BoolExp, ColumnModel, TableModel } from '../model.js';
import type { ModelIndex } from '../model-index.js';
import { type Aliases, ident, type Params } from './sql.js';

export interface FilterContext {
  index: ModelIndex;
  params: Params;
  aliases: Aliases;
  role: string;
  /** Session variables, names lower-cased. */
  session: Record<string, string>;
  /** How deeply a request's `where` may nest (_and, _or, _not, relationships): QueryLimits.maxFilterDepth. */
  maxFilterDepth?: number;
  /** How many more expressions a request's `where`s may hold (QueryLimits.maxFilterTerms), counted down. */
  filterTerms?: { left: number };
}

/**
 * Where a boolean expression comes from decides two things:
 * - `user` (a request's `where`): traversing a relationship only reaches target rows the role may
 *   select, and strings are plain values;
 * - `permission` (the model): relationships are traversed unfiltered, and a string naming a
 *   session variable stands for its value.
 */
export type FilterSource = 'user' | 'permission';

const BINARY: Record<string, string> = {
  _eq: '=',
  _neq: '<>',
  _gt: '>',
  _lt: '<',
  _gte: '>=',
  _lte: '<=',
  _like: 'LIKE',
  _nlike: 'NOT LIKE',
  _ilike: 'ILIKE',
  _nilike: 'NOT ILIKE',
  _similar: 'SIMILAR TO',
  _nsimilar: 'NOT SIMILAR TO',
  _regex: '~',
  _nregex: '!~',
  _iregex: '~*',
  _niregex: '!~*',
  _contains: '@>',
  _contained_in: '<@',
};

/** Compiles a bool_exp over `table` (aliased `alias`) to a SQL condition. */
export function compileBoolExp(
  table: TableModel,
  exp: BoolExp,
  alias: string,
  ctx: FilterContext,
  source: FilterSource,
  /** 1 for the whole expression; one more inside each _and, _or, _not and relationship. */
  depth = 1,
): string {
  if (source === 'user' && ctx.maxFilterDepth !== undefined && depth > ctx.maxFilterDepth)
    throw new EngineError(
      'validation-failed',
      `the where expression is nested more than ${ctx.maxFilterDepth} levels deep (the server's limit)`,
      '$',
    );
  if (source === 'user' && ctx.filterTerms && --ctx.filterTerms.left < 0)
    throw new EngineError(
      'validation-failed',
      "the operation's where expressions hold more terms than the server allows",
      '$',
    );
  const parts: string[] = [];
  for (const [key, value] of Object.entries(exp)) {
    // A null in place of an expression is dropped, as a comparison with null is (docs/contracts.md §4.4).
    if (value === undefined || value === null) continue;
    if (key === '_and' || key === '_or') {
      // Hasura coerces a single object to a one-element list.
      const items = (Array.isArray(value) ? value : [value]) as BoolExp[];
      const compiled = items.map((item) => compileBoolExp(table, item, alias, ctx, source, depth + 1));
      if (key === '_and') parts.push(compiled.length === 0 ? 'true' : `(${compiled.join(' AND ')})`);
      else parts.push(compiled.length === 0 ? 'false' : `(${compiled.join(' OR ')})`);
      continue;
    }
    if (key === '_not') {
      parts.push(`NOT (${compileBoolExp(table, value as BoolExp, alias, ctx, source, depth + 1)})`);
      continue;
    }
    const column = ctx.index.column(table, key);
    if (column) {
      parts.push(
        compileComparison(column, `${alias}.${ident(column.sql)}`, value as Record<string, unknown>, ctx, source),
      );
      continue;
    }
    const relationship = ctx.index.relationship(table, key);
    if (relationship) {
      const target = ctx.index.table(relationship.target);
      const targetAlias = ctx.aliases.fresh();
      const conditions = Object.entries(relationship.mapping).map(
        ([local, remote]) =>
          `${targetAlias}.${ident(ctx.index.column(target, remote)!.sql)} = ${alias}.${ident(ctx.index.column(table, local)!.sql)}`,
      );
      if (source === 'user') conditions.push(permissionFilter(target, targetAlias, ctx));
      conditions.push(compileBoolExp(target, value as BoolExp, targetAlias, ctx, source, depth + 1));
      parts.push(
        `EXISTS (SELECT 1 FROM ${ident(target.sql.schema)}.${ident(target.sql.table)} AS ${targetAlias} WHERE ${conditions.join(' AND ')})`,
      );
      continue;
    }
    // The schema admits no other names in a request; only a model mistake can get here.
    throw new Error(`bool_exp on ${table.name}: unknown field ${key}`);
  }
  return parts.length === 0 ? 'true' : parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

/** The columns of `table` itself that `exp` reads: compared directly, or joined on to follow a relationship. */
export function localColumns(table: TableModel, exp: BoolExp, index: ModelIndex): ColumnModel[] {
  const found = new Map<string, ColumnModel>();
  const walk = (part: BoolExp) => {
    for (const [key, value] of Object.entries(part)) {
      if (value === undefined || value === null) continue;
      if (key === '_and' || key === '_or')
        for (const item of (Array.isArray(value) ? value : [value]) as BoolExp[]) walk(item);
      else if (key === '_not') walk(value as BoolExp);
      else if (index.column(table, key)) found.set(key, index.column(table, key)!);
      else {
        const relationship = index.relationship(table, key);
        for (const local of Object.keys(relationship?.mapping ?? {})) found.set(local, index.column(table, local)!);
      }
    }
  };
  walk(exp);
  return [...found.values()];
}

/** The role's row filter for `table` (true for admin or an unfiltered permission). */
export function permissionFilter(table: TableModel, alias: string, ctx: FilterContext): string {
  const filter = ctx.index.selectPermission(table, ctx.role)?.filter;
  return filter ? compileBoolExp(table, filter, alias, ctx, 'permission') : 'true';
}

function compileComparison(
  column: ColumnModel,
  target: string,
  comparison: Record<string, unknown>,
  ctx: FilterContext,
  source: FilterSource,
): string {
  const parts: string[] = [];
  for (const [operator, raw] of Object.entries(comparison)) {
    if (raw === undefined) continue;
    if (operator === '_is_null') {
      if (raw === null) continue;
      parts.push(raw ? `${target} IS NULL` : `${target} IS NOT NULL`);
      continue;
    }
    // Hasura v2 drops a comparison with a null value rather than matching nothing.
    if (raw === null) continue;
    const emit = (value: unknown, params: Params) => comparisonSql(operator, column, target, value, params);
    parts.push(
      source === 'permission' && mentionsSessionVariable(raw)
        ? ctx.params.addFromSession(ctx.session, (session) => resolveSessionValue(raw, { session }), emit)
        : emit(raw, ctx.params),
    );
  }
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/** `target <operator> value`, the value bound as parameters. */
function comparisonSql(operator: string, column: ColumnModel, target: string, value: unknown, params: Params): string {
  if (operator in BINARY) return `${target} ${BINARY[operator]} ${params.add(value, column.type)}`;
  if (operator === '_in' || operator === '_nin') {
    const list = (Array.isArray(value) ? value : [value]).map((v) => (column.type === 'jsonb' ? JSON.stringify(v) : v));
    const any = `${target} = ANY(${params.add(list, column.type, true)})`;
    return operator === '_in' ? any : `NOT (${any})`;
  }
  if (operator === '_has_key') return `${target} ? ${params.addText(String(value))}`;
  if (operator === '_has_keys_any' || operator === '_has_keys_all') {
    params.values.push((value as unknown[]).map(String));
    return `${target} ${operator === '_has_keys_any' ? '?|' : '?&'} $${params.values.length}::text[]`;
  }
  throw new Error(`unsupported comparison operator ${operator}`);
}

const SESSION_VARIABLE = /^x-hasura-/i;

function mentionsSessionVariable(value: unknown): boolean {
  return Array.isArray(value)
    ? value.some(mentionsSessionVariable)
    : typeof value === 'string' && SESSION_VARIABLE.test(value);
}

/** In a permission, "X-Hasura-User-Id" (any case) means the session's value of that variable. */
export function resolveSessionValue(value: unknown, ctx: Pick<FilterContext, 'session'>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveSessionValue(item, ctx));
  if (typeof value !== 'string' || !SESSION_VARIABLE.test(value)) return value;
  const resolved = ctx.session[value.toLowerCase()];
  if (resolved === undefined)
    throw new EngineError('permission-error', `missing session variable: "${value.toLowerCase()}"`, '$');
  return resolved;
}
