import { type GraphQLField, type GraphQLObjectType, getArgumentValues, getNamedType } from 'graphql';
import { EngineError } from '../errors.js';
import type { BoolExp, ColumnModel, Presets, TableModel } from '../model.js';
import type { MutationField } from '../schema/build-schema.js';
import { compileBoolExp, localColumns, permissionFilter, resolveSessionValue } from './bool-exp.js';
import { type CollectedField, subSelections } from './collect-fields.js';
import { compileObject, jsonObject, type SelectContext, tableRef } from './select.js';
import { Aliases, ident, Params } from './sql.js';

/** One statement of a mutation field: its text, its parameters, and the path its errors report. */
export interface Statement {
  sql: string;
  values: readonly unknown[];
  path: string;
}

/** The primary keys of the written rows, each with `_check_passed`: the permission's check on it. */
export type WrittenKeys = Record<string, unknown>[];

/**
 * One mutation field, compiled: what execute/mutation.ts runs, in this order, inside the
 * request's transaction. Inserts and updates take two statements: the write, which returns the
 * primary keys and whether each row passes the permission's `check`, then one SELECT that builds
 * the response — a second statement sees what triggers did, such as making the inserting user a
 * member. Deletes take one.
 *
 * The check is evaluated inside the write (in RETURNING), as Hasura does: its subqueries see the
 * database as it was before the statement, so a row cannot vouch for itself (a membership row
 * that makes its own inserter a manager of the controller it joins).
 */
export interface CompiledMutation {
  /** The path of the field, where a failed check is reported. */
  path: string;
  /** The insert check on the submitted values alone, run first: its one row says whether they pass. */
  precheck: Statement | undefined;
  /** The write, returning WrittenKeys; none for a delete (its response deletes) or an insert of no rows. */
  write: Statement | undefined;
  /** The statement whose one row's `data` is the field's JSON text, given what the write returned. */
  response(keys: WrittenKeys): Statement;
}

/** The mutation field being compiled: what it writes, its definition and selection, its arguments and path. */
interface Target {
  mutation: MutationField;
  definition: GraphQLField<unknown, unknown>;
  field: CollectedField;
  // biome-ignore lint/suspicious/noExplicitAny: argument values as graphql-js coerced them, checked against the schema
  args: Record<string, any>;
  path: string;
}

/** Compiles one mutation field (insert, update or delete) to the statements that run it. */
export function compileMutation(
  mutation: MutationField,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  ctx: SelectContext,
): CompiledMutation {
  const args = getArgumentValues(definition, field.nodes[0]!, ctx.variables);
  const path = `$.selectionSet.${field.responseKey}`;
  const target: Target = { mutation, definition, field, args, path };
  const response = (keys: WrittenKeys) => respond(target, keys, ctx);
  switch (mutation.kind) {
    case 'insert':
    case 'insertOne': {
      const objects = (mutation.kind === 'insertOne' ? [args.object] : args.objects) as Record<string, unknown>[];
      const argumentPath = `${path}.args.${mutation.kind === 'insertOne' ? 'object' : 'objects'}`;
      if (objects.length === 0) return { path, precheck: undefined, write: undefined, response };
      return {
        path,
        ...insertRows(mutation.table, objects, args.on_conflict as OnConflict | undefined, ctx, argumentPath, path),
        response,
      };
    }
    case 'update':
    case 'updateByPk':
      return { path, precheck: undefined, write: updateRows(target, ctx), response };
    case 'delete':
    case 'deleteByPk': {
      const statement = deleteRows(target, ctx);
      return { path, precheck: undefined, write: undefined, response: () => statement };
    }
  }
}

interface OnConflict {
  constraint: string;
  update_columns: string[];
  where?: BoolExp;
}

function fresh(ctx: SelectContext): SelectContext {
  return { ...ctx, params: new Params(), aliases: new Aliases() };
}

function statement(sql: string, ctx: SelectContext, path: string): Statement {
  return { sql, values: ctx.params.values, path };
}

function presetValues(presets: Presets | undefined, ctx: SelectContext): [string, unknown][] {
  return Object.entries(presets ?? {}).map(([name, value]) => [name, resolveSessionValue(value, ctx)]);
}

/** `column = $n` for each (column name, value), the value bound with the column's type. */
function assignments(table: TableModel, values: [string, unknown][], ctx: SelectContext): string[] {
  return values.map(([name, value]) => {
    const column = ctx.index.column(table, name)!;
    return `${ident(column.sql)} = ${ctx.params.add(value, column.type)}`;
  });
}

/** A permission's row filter on `alias` (true when there is none). */
function filterCondition(table: TableModel, filter: BoolExp | undefined, alias: string, ctx: SelectContext): string {
  return filter ? compileBoolExp(table, filter, alias, ctx, 'permission') : 'true';
}

/** The rows an update or delete touches: the permission's filter, then `where` or the primary key `pk`. */
function targetConditions(
  mutation: MutationField,
  filter: BoolExp | undefined,
  where: BoolExp,
  pk: Record<string, unknown>,
  alias: string,
  ctx: SelectContext,
): string[] {
  const { table } = mutation;
  const conditions = [filterCondition(table, filter, alias, ctx)];
  if (mutation.kind === 'update' || mutation.kind === 'delete')
    conditions.push(compileBoolExp(table, where, alias, ctx, 'user'));
  else
    for (const key of table.primaryKey) {
      const column = ctx.index.column(table, key)!;
      conditions.push(`${alias}.${ident(column.sql)} = ${ctx.params.add(pk[key], column.type)}`);
    }
  return conditions;
}

function insertRows(
  table: TableModel,
  objects: Record<string, unknown>[],
  onConflict: OnConflict | undefined,
  base: SelectContext,
  path: string,
  fieldPath: string,
): Pick<CompiledMutation, 'precheck' | 'write'> {
  const ctx = fresh(base);
  const presets = presetValues(ctx.index.insertPermission(table, ctx.role)!.set, ctx);
  const rows = objects.map((object) => ({ ...object, ...Object.fromEntries(presets) }));
  const precheck = checkSubmittedValues(table, rows, base, fieldPath);
  const named = [...new Set(rows.flatMap((row) => Object.keys(row)))].map((name) => ctx.index.column(table, name)!);
  // Rows that set no column still need one in the column list: the first, with its default.
  const columns = named.length > 0 ? named : [ctx.index.column(table, table.primaryKey[0]!)!];
  const values = rows.map(
    (row) =>
      `(${columns.map((c) => (row[c.name] !== undefined ? ctx.params.add(row[c.name], c.type) : 'DEFAULT')).join(', ')})`,
  );
  const alias = ctx.aliases.fresh();
  const conflict = onConflict ? upsertClause(table, alias, onConflict, ctx) : '';
  // xmax = 0 tells a freshly inserted row from one an upsert updated: the insert check applies
  // to the first, the update check to the second.
  const insertCheck = checkExpression(table, ctx.index.insertPermission(table, ctx.role)!.check, alias, ctx);
  const updateCheck = onConflict
    ? checkExpression(table, ctx.index.updatePermission(table, ctx.role)?.check, alias, ctx)
    : 'true';
  const passes =
    updateCheck === insertCheck
      ? insertCheck
      : `CASE WHEN ${alias}.xmax = 0 THEN ${insertCheck} ELSE ${updateCheck} END`;
  const sql =
    `INSERT INTO ${tableRef(table)} AS ${alias} (${columns.map((c) => ident(c.sql)).join(', ')}) VALUES ${values.join(', ')}${conflict} ` +
    `RETURNING ${returningKeys(table, ctx, alias)}, ${passes} AS _check_passed`;
  return { precheck, write: statement(sql, ctx, path) };
}

/** ON CONFLICT: update the listed columns of rows the role may update (and `where` selects), or do nothing. */
function upsertClause(table: TableModel, alias: string, onConflict: OnConflict, ctx: SelectContext): string {
  const target = ` ON CONFLICT ON CONSTRAINT ${ident(onConflict.constraint)}`;
  if (onConflict.update_columns.length === 0) return `${target} DO NOTHING`;
  const permission = ctx.index.updatePermission(table, ctx.role)!;
  const column = (name: string) => ctx.index.column(table, name)!;
  const presets = presetValues(permission.set, ctx);
  // A column named twice, or also set by the role's preset (which wins), is assigned once:
  // PostgreSQL refuses a second assignment to one column.
  const updated = new Set(onConflict.update_columns);
  for (const [name] of presets) updated.delete(name);
  const set = [
    ...[...updated].map((name) => `${ident(column(name).sql)} = EXCLUDED.${ident(column(name).sql)}`),
    ...assignments(table, presets, ctx),
  ];
  const conditions = [filterCondition(table, permission.filter, alias, ctx)];
  if (onConflict.where) conditions.push(compileBoolExp(table, onConflict.where, alias, ctx, 'user'));
  return `${target} DO UPDATE SET ${set.join(', ')} WHERE ${conditions.join(' AND ')}`;
}

/**
 * The insert check on the submitted values alone, before writing, when they give every column
 * the check reads: a refused insert then fails with the permission error before a unique or
 * foreign key could answer instead — and tell the caller that another tenant holds such a row.
 * (Rows whose check reads a column a default or trigger fills are checked in the write only.)
 */
function checkSubmittedValues(
  table: TableModel,
  rows: Record<string, unknown>[],
  base: SelectContext,
  path: string,
): Statement | undefined {
  const check = base.index.insertPermission(table, base.role)!.check;
  if (!check) return undefined;
  const read = localColumns(table, check, base.index);
  if (read.length === 0 || !rows.every((row) => read.every((c) => row[c.name] !== undefined && row[c.name] !== null)))
    return undefined;
  const ctx = fresh(base);
  const alias = ctx.aliases.fresh();
  const values = rows.map((row) => `(${read.map((c) => ctx.params.add(row[c.name], c.type)).join(', ')})`);
  const sql =
    `SELECT coalesce(bool_and(${compileBoolExp(table, check, alias, ctx, 'permission')}), false) AS passed ` +
    `FROM (VALUES ${values.join(', ')}) AS ${alias} (${read.map((c) => ident(c.sql)).join(', ')})`;
  return statement(sql, ctx, path);
}

/** The permission's check on the written row `alias`, for RETURNING (true when there is none). */
function checkExpression(table: TableModel, check: BoolExp | undefined, alias: string, ctx: SelectContext): string {
  return check ? `coalesce((${compileBoolExp(table, check, alias, ctx, 'permission')}), false)` : 'true';
}

function updateRows({ mutation, args, path }: Target, base: SelectContext): Statement {
  const ctx = fresh(base);
  const { table } = mutation;
  const permission = ctx.index.updatePermission(table, ctx.role)!;
  const set = (args._set ?? {}) as Record<string, unknown>;
  const inc = (args._inc ?? {}) as Record<string, unknown>;
  const both = Object.keys(set).filter((name) => name in inc);
  if (both.length > 0)
    throw new EngineError(
      'validation-failed',
      `Column found in multiple operators: [${both.map((n) => `'${n}'`).join(', ')}].`,
      `${path}.args`,
    );
  const alias = ctx.aliases.fresh();
  const column = (name: string): ColumnModel => ctx.index.column(table, name)!;
  const changes = [
    ...assignments(table, Object.entries(set), ctx),
    ...Object.entries(inc).map(
      ([name, value]) =>
        `${ident(column(name).sql)} = ${alias}.${ident(column(name).sql)} + ${ctx.params.add(value, column(name).type)}`,
    ),
    ...assignments(table, presetValues(permission.set, ctx), ctx),
  ];
  // Hasura treats an update without operators as a no-op that still reports the matched rows.
  if (changes.length === 0)
    changes.push(`${ident(column(table.primaryKey[0]!).sql)} = ${alias}.${ident(column(table.primaryKey[0]!).sql)}`);
  const conditions = targetConditions(mutation, permission.filter, args.where, args.pk_columns, alias, ctx);
  const sql =
    `UPDATE ${tableRef(table)} AS ${alias} SET ${changes.join(', ')} WHERE ${conditions.join(' AND ')} ` +
    `RETURNING ${returningKeys(table, ctx, alias)}, ${checkExpression(table, permission.check, alias, ctx)} AS _check_passed`;
  return statement(sql, ctx, path);
}

function deleteRows(target: Target, base: SelectContext): Statement {
  const ctx = fresh(base);
  const { mutation, args, path } = target;
  const { table } = mutation;
  const permission = ctx.index.deletePermission(table, ctx.role)!;
  const alias = ctx.aliases.fresh();
  const conditions = targetConditions(mutation, permission.filter, args.where, args, alias, ctx);
  // The response reads the deleted rows from the CTE: the statement's snapshot still has their relatives.
  const rows = ctx.aliases.fresh();
  const body = responseBody(
    target,
    rows,
    () => `FROM _deleted AS ${rows} WHERE true`,
    '(SELECT count(*) FROM _deleted)::int',
    ctx,
  );
  const sql = `WITH _deleted AS (DELETE FROM ${tableRef(table)} AS ${alias} WHERE ${conditions.join(' AND ')} RETURNING ${alias}.*) SELECT ${body}::text AS data`;
  return statement(sql, ctx, path);
}

/** The SELECT that builds an insert's or update's response from the written rows' keys. */
function respond(target: Target, keys: WrittenKeys, base: SelectContext): Statement {
  const ctx = fresh(base);
  const rows = ctx.aliases.fresh();
  const { table } = target.mutation;
  const body = responseBody(
    target,
    rows,
    () => `FROM ${tableRef(table)} AS ${rows} WHERE ${matchKeys(table, rows, keys, ctx)}`,
    String(keys.length),
    ctx,
  );
  return statement(`SELECT ${body}::text AS data`, ctx, target.path);
}

/**
 * The field's JSON: for the *One / *ByPk forms the row (if the role may see it), otherwise
 * {affected_rows, returning} in the order the selection asks for them. `rowsFrom` yields the
 * FROM … WHERE clause of the written rows; it is called only where used, since it binds
 * parameters and a statement must use every parameter it binds.
 */
function responseBody(
  { mutation, definition, field }: Target,
  alias: string,
  rowsFrom: () => string,
  affected: string,
  ctx: SelectContext,
): string {
  const { table } = mutation;
  const single = mutation.kind === 'insertOne' || mutation.kind === 'updateByPk' || mutation.kind === 'deleteByPk';
  const responseType = getNamedType(definition.type) as GraphQLObjectType;
  if (single) {
    const object = compileObject(table, responseType, alias, subSelections(field, ctx), ctx);
    return `(SELECT ${object} ${rowsFrom()} AND ${permissionFilter(table, alias, ctx)} LIMIT 1)`;
  }
  const entries = subSelections(field, ctx).map((selection): [string, string] => {
    if (selection.name === '__typename') return [selection.responseKey, ctx.params.addText(responseType.name)];
    if (selection.name === 'affected_rows') return [selection.responseKey, affected];
    const rowType = getNamedType(responseType.getFields().returning!.type) as GraphQLObjectType;
    const object = compileObject(table, rowType, alias, subSelections(selection, ctx), ctx);
    return [
      selection.responseKey,
      `(SELECT coalesce(json_agg(${object}), '[]'::json) ${rowsFrom()} AND ${permissionFilter(table, alias, ctx)})`,
    ];
  });
  return jsonObject(entries);
}

function returningKeys(table: TableModel, ctx: SelectContext, alias?: string): string {
  return table.primaryKey
    .map((key) => `${alias ? `${alias}.` : ''}${ident(ctx.index.column(table, key)!.sql)} AS ${ident(key)}`)
    .join(', ');
}

/** `alias` is one of the rows whose primary keys are `keys`. */
function matchKeys(table: TableModel, alias: string, keys: WrittenKeys, ctx: SelectContext): string {
  if (keys.length === 0) return 'false';
  const columns = table.primaryKey.map((key) => ctx.index.column(table, key)!);
  const arrays = columns.map((c) =>
    ctx.params.add(
      keys.map((k) => k[c.name]),
      c.type,
      true,
    ),
  );
  return `(${columns.map((c) => `${alias}.${ident(c.sql)}`).join(', ')}) IN (SELECT * FROM unnest(${arrays.join(', ')}))`;
}
