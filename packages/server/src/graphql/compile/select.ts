import { type GraphQLField, type GraphQLObjectType, getArgumentValues, getNamedType } from 'graphql';
import { EngineError } from '../errors.js';
import type { RelationshipModel, TableModel } from '../model.js';
import type { RoleSchema } from '../schema/build-schema.js';
import { compileBoolExp, type FilterContext, permissionFilter } from './bool-exp.js';
import { type CollectedField, type Fragments, subSelections } from './collect-fields.js';
import { ident } from './sql.js';

export interface SelectContext extends FilterContext, Fragments {
  roleSchema: RoleSchema;
  /** Upper bound on the rows of any one list (the server's result-size limit). */
  maxRows: number;
}

const DIRECTIONS: Record<string, string> = {
  asc: 'ASC NULLS LAST',
  asc_nulls_first: 'ASC NULLS FIRST',
  asc_nulls_last: 'ASC NULLS LAST',
  desc: 'DESC NULLS FIRST',
  desc_nulls_first: 'DESC NULLS FIRST',
  desc_nulls_last: 'DESC NULLS LAST',
};

/**
 * Compiles a query operation's root fields to ONE statement returning the whole `data` object as
 * JSON text: every nested selection is a correlated subquery, every value a bound parameter.
 */
export function compileQuery(fields: CollectedField[], ctx: SelectContext): string {
  const queryType = ctx.roleSchema.schema.getQueryType()!;
  const entries = fields.map((field): [string, string] => {
    if (field.name === '__typename') return [field.responseKey, ctx.params.addText('query_root')];
    const root = ctx.roleSchema.rootFields.get(field.name);
    const definition = queryType.getFields()[field.name];
    if (!root || !definition)
      throw new EngineError(
        'validation-failed',
        `field '${field.name}' not found in type: 'query_root'`,
        `$.selectionSet.${field.name}`,
      );
    const sql =
      root.kind === 'select'
        ? compileList(root.table, definition, field, ctx)
        : root.kind === 'selectAggregate'
          ? compileAggregate(root.table, definition, field, ctx)
          : compileByPk(root.table, definition, field, ctx);
    return [field.responseKey, sql];
  });
  return `SELECT ${jsonObject(entries)}::text AS data`;
}

/** A JSON object from (key, SQL expression) pairs, keys in order. */
export function jsonObject(entries: [string, string][]): string {
  // json_build_object takes at most 100 arguments; row_to_json has no limit and keeps the order.
  if (entries.length <= 50) return `json_build_object(${entries.map(([key, sql]) => `'${key}', ${sql}`).join(', ')})`;
  return `(SELECT row_to_json(_r) FROM (SELECT ${entries.map(([key, sql]) => `${sql} AS ${ident(key)}`).join(', ')}) AS _r)`;
}

function argumentsOf(
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  ctx: SelectContext,
  // biome-ignore lint/suspicious/noExplicitAny: argument values as graphql-js coerced them, checked against the schema
): Record<string, any> {
  return getArgumentValues(definition, field.nodes[0]!, ctx.variables);
}

/** The JSON object for one row of `table` aliased `alias`, with the selected fields. */
export function compileObject(
  table: TableModel,
  type: GraphQLObjectType,
  alias: string,
  fields: CollectedField[],
  ctx: SelectContext,
): string {
  const typeFields = type.getFields();
  const entries = fields.map((field): [string, string] => {
    if (field.name === '__typename') return [field.responseKey, ctx.params.addText(table.name)];
    const column = ctx.index.column(table, field.name);
    if (column) return [field.responseKey, `${alias}.${ident(column.sql)}`];
    const relationship = ctx.index.relationship(table, field.name);
    const definition = typeFields[field.name];
    if (!relationship || !definition)
      throw new EngineError('validation-failed', `field '${field.name}' not found in type: '${table.name}'`, '$');
    const target = ctx.index.table(relationship.target);
    const joins = (targetAlias: string) => joinConditions(relationship, table, alias, targetAlias, ctx);
    if (relationship.kind === 'array') return [field.responseKey, compileList(target, definition, field, ctx, joins)];
    const targetAlias = ctx.aliases.fresh();
    const targetType = getNamedType(definition.type) as GraphQLObjectType;
    const object = compileObject(target, targetType, targetAlias, subSelections(field, ctx), ctx);
    const where = [...joins(targetAlias), permissionFilter(target, targetAlias, ctx)].join(' AND ');
    return [field.responseKey, `(SELECT ${object} FROM ${tableRef(target)} AS ${targetAlias} WHERE ${where} LIMIT 1)`];
  });
  return jsonObject(entries);
}

/**
 * The most rows a list of `table` may return to the role: the smallest of the permission's row
 * limit and the server's (PAVISE_GRAPHQL_MAX_ROWS).
 */
function rowCap(table: TableModel, ctx: SelectContext): number {
  const permissionLimit = ctx.index.selectPermission(table, ctx.role)?.limit;
  return Math.max(0, Math.min(ctx.maxRows, permissionLimit ?? ctx.maxRows));
}

/**
 * The rows a field selects — permission filter, where, order_by, distinct_on, limit and offset —
 * as a subquery whose rows carry the table's columns (or `select`) and the sort keys _o0, _o1,
 * ... for re-ordering after aggregation. `cap` (a list's rowCap) bounds the rows besides the
 * field's own `limit`; an aggregate passes none, so that it counts every row (see compileAggregate).
 */
function rowSource(
  table: TableModel,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  ctx: SelectContext,
  select: (alias: string) => string,
  cap: number | undefined,
  joins: (alias: string) => string[] = () => [],
) {
  const args = argumentsOf(definition, field, ctx);
  const alias = ctx.aliases.fresh();
  const conditions = [...joins(alias), permissionFilter(table, alias, ctx)];
  if (args.where) conditions.push(compileBoolExp(table, args.where, alias, ctx, 'user'));

  const ordering = compileOrderBy(table, alias, (args.order_by ?? []) as Record<string, unknown>[], ctx);
  const distinctOn = (args.distinct_on ?? []) as string[];
  let distinct = '';
  if (distinctOn.length > 0) {
    const distinctSql = distinctOn.map((name) => `${alias}.${ident(ctx.index.column(table, name)!.sql)}`);
    const leading = ordering.slice(0, distinctSql.length).map((o) => o.expression);
    if (ordering.length > 0 && distinctSql.some((sql, i) => leading[i] !== sql)) {
      throw new EngineError(
        'validation-failed',
        '"distinct_on" columns must match initial "order_by" columns',
        `$.selectionSet.${field.responseKey}.args`,
      );
    }
    if (ordering.length === 0)
      ordering.push(...distinctSql.map((expression) => ({ expression, direction: 'ASC NULLS LAST' })));
    distinct = `DISTINCT ON (${distinctSql.join(', ')}) `;
  }

  const limit = [args.limit as number | undefined, cap].filter((n): n is number => typeof n === 'number');
  const sortColumns = ordering.map((o, i) => `, ${o.expression} AS _o${i}`).join('');
  const sql =
    `SELECT ${distinct}${select(alias)}${sortColumns} FROM ${tableRef(table)} AS ${alias} WHERE ${conditions.join(' AND ')}` +
    (ordering.length > 0 ? ` ORDER BY ${ordering.map((o) => `${o.expression} ${o.direction}`).join(', ')}` : '') +
    (limit.length > 0 ? ` LIMIT ${Math.max(0, Math.min(...limit))}` : '') +
    (typeof args.offset === 'number' ? ` OFFSET ${Math.max(0, args.offset)}` : '');
  // json_agg over an ordered subquery is not guaranteed to keep the order: re-apply it.
  const aggregateOrder = (rows: string) =>
    ordering.length > 0 ? ` ORDER BY ${ordering.map((o, i) => `${rows}._o${i} ${o.direction}`).join(', ')}` : '';
  return { alias, sql, aggregateOrder };
}

/** A JSON array of rows; each row's JSON is built inside the (limited) row source. */
function compileList(
  table: TableModel,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  ctx: SelectContext,
  joins?: (alias: string) => string[],
): string {
  const targetType = getNamedType(definition.type) as GraphQLObjectType;
  const source = rowSource(
    table,
    definition,
    field,
    ctx,
    (alias) => `${compileObject(table, targetType, alias, subSelections(field, ctx), ctx)} AS _j`,
    rowCap(table, ctx),
    joins,
  );
  return `(SELECT coalesce(json_agg(_s._j${source.aggregateOrder('_s')}), '[]'::json) FROM (${source.sql}) AS _s)`;
}

/**
 * <table>Aggregate: aggregate functions over every row the field selects — the role's rows that
 * match, then the field's own limit and offset — and `nodes`, the first of them up to the
 * table's rowCap. As in Hasura, neither the permission's row limit nor PAVISE_GRAPHQL_MAX_ROWS
 * narrows what is counted: they bound the rows an answer lists (hasura/graphql-engine#1837).
 */
function compileAggregate(
  table: TableModel,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  ctx: SelectContext,
): string {
  const selections = subSelections(field, ctx);
  const aggregates = selections.some((selection) => selection.name === 'aggregate');
  const cap = rowCap(table, ctx);
  // Without aggregate functions the rows are only the nodes: capped where they are selected, as a list's.
  const source = rowSource(table, definition, field, ctx, (alias) => `${alias}.*`, aggregates ? undefined : cap);
  const rows = source.alias;
  const aggregateType = getNamedType(definition.type) as GraphQLObjectType;
  const entries = selections.map((selection): [string, string] => {
    if (selection.name === '__typename') return [selection.responseKey, ctx.params.addText(aggregateType.name)];
    const selectionType = getNamedType(aggregateType.getFields()[selection.name]!.type) as GraphQLObjectType;
    if (selection.name === 'nodes') {
      const object = compileObject(table, selectionType, rows, subSelections(selection, ctx), ctx);
      // Only the rows numbered within the cap are turned into JSON (FILTER skips the others).
      const within = aggregates ? ` FILTER (WHERE ${rows}._n <= ${cap})` : '';
      const nodes = `json_agg(${object}${source.aggregateOrder(rows)})${within}`;
      return [selection.responseKey, `coalesce(${nodes}, '[]'::json)`];
    }
    const functions = subSelections(selection, ctx).map((fn): [string, string] => {
      if (fn.name === '__typename') return [fn.responseKey, ctx.params.addText(selectionType.name)];
      const columnSql = (name: string) => `${rows}.${ident(ctx.index.column(table, name)!.sql)}`;
      if (fn.name === 'count') {
        const countArgs = getArgumentValues(selectionType.getFields().count!, fn.nodes[0]!, ctx.variables) as {
          columns?: string[];
          distinct?: boolean;
        };
        const columns = countArgs.columns ?? [];
        const target =
          columns.length === 0
            ? '*'
            : columns.length === 1
              ? columnSql(columns[0]!)
              : `(${columns.map(columnSql).join(', ')})`;
        return [fn.responseKey, `count(${countArgs.distinct && columns.length > 0 ? 'DISTINCT ' : ''}${target})`];
      }
      const fnType = getNamedType(selectionType.getFields()[fn.name]!.type) as GraphQLObjectType;
      const values = subSelections(fn, ctx).map((column): [string, string] =>
        column.name === '__typename'
          ? [column.responseKey, ctx.params.addText(fnType.name)]
          : [column.responseKey, `${fn.name}(${columnSql(column.name)})`],
      );
      return [fn.responseKey, jsonObject(values)];
    });
    return [selection.responseKey, jsonObject(functions)];
  });
  // The nodes are the first rows in the field's order: each row gets its number in it (_n).
  const numbered =
    aggregates && selections.some((selection) => selection.name === 'nodes')
      ? `(SELECT _w.*, row_number() OVER (${source.aggregateOrder('_w').trim()}) AS _n FROM (${source.sql}) AS _w)`
      : `(${source.sql})`;
  return `(SELECT ${jsonObject(entries)} FROM ${numbered} AS ${rows})`;
}

function compileByPk(
  table: TableModel,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  ctx: SelectContext,
): string {
  const args = argumentsOf(definition, field, ctx);
  const alias = ctx.aliases.fresh();
  const conditions = table.primaryKey.map((key) => {
    const column = ctx.index.column(table, key)!;
    return `${alias}.${ident(column.sql)} = ${ctx.params.add(args[key], column.type)}`;
  });
  conditions.push(permissionFilter(table, alias, ctx));
  const object = compileObject(
    table,
    getNamedType(definition.type) as GraphQLObjectType,
    alias,
    subSelections(field, ctx),
    ctx,
  );
  return `(SELECT ${object} FROM ${tableRef(table)} AS ${alias} WHERE ${conditions.join(' AND ')} LIMIT 1)`;
}

interface Ordering {
  expression: string;
  direction: string;
}

/** order_by items in order; object relationships order by a column of the related row. */
function compileOrderBy(
  table: TableModel,
  alias: string,
  items: Record<string, unknown>[],
  ctx: SelectContext,
): Ordering[] {
  const out: Ordering[] = [];
  for (const item of items) {
    for (const [name, value] of Object.entries(item)) {
      if (value === undefined || value === null) continue;
      const column = ctx.index.column(table, name);
      if (column) {
        out.push({ expression: `${alias}.${ident(column.sql)}`, direction: DIRECTIONS[value as string]! });
        continue;
      }
      const relationship = ctx.index.relationship(table, name)!;
      const target = ctx.index.table(relationship.target);
      const targetAlias = ctx.aliases.fresh();
      const nested = compileOrderBy(target, targetAlias, [value as Record<string, unknown>], ctx);
      // An ordering by nothing of the related row (`{dataController: {}}`) adds no sort key, and
      // so binds no parameter of the permission filter either.
      if (nested.length === 0) continue;
      const where = [
        ...joinConditions(relationship, table, alias, targetAlias, ctx),
        permissionFilter(target, targetAlias, ctx),
      ].join(' AND ');
      for (const key of nested) {
        out.push({
          expression: `(SELECT ${key.expression} FROM ${tableRef(target)} AS ${targetAlias} WHERE ${where} LIMIT 1)`,
          direction: key.direction,
        });
      }
    }
  }
  return out;
}

/** `relationship` from `alias` (a row of `table`) to `targetAlias` (a row of its target), one condition a mapped column. */
function joinConditions(
  relationship: RelationshipModel,
  table: TableModel,
  alias: string,
  targetAlias: string,
  ctx: SelectContext,
): string[] {
  const target = ctx.index.table(relationship.target);
  return Object.entries(relationship.mapping).map(
    ([local, remote]) =>
      `${targetAlias}.${ident(ctx.index.column(target, remote)!.sql)} = ${alias}.${ident(ctx.index.column(table, local)!.sql)}`,
  );
}

export function tableRef(table: TableModel): string {
  return `${ident(table.sql.schema)}.${ident(table.sql.table)}`;
}
