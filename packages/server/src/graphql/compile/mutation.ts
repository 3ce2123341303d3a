import { type GraphQLField, type GraphQLObjectType, getArgumentValues, getNamedType } from 'graphql';
import type { Queryable } from '../../db/database.js';
import { EngineError } from '../errors.js';
import type { BoolExp, ColumnModel, Presets, TableModel } from '../model.js';
import type { MutationField } from '../schema/build-schema.js';
import { compileBoolExp, localColumns, permissionFilter, resolveSessionValue } from './bool-exp.js';
import { type CollectedField, subSelections } from './collect-fields.js';
import { compileObject, jsonObject, type SelectContext, tableRef } from './select.js';
import { Aliases, ident, Params } from './sql.js';

/**
 * Runs one mutation field inside the request's transaction and returns the JSON text of its
 * result. Inserts and updates take two statements: the write, which returns the primary keys and
 * whether each row passes the permission's `check`, then one SELECT that builds the response — a
 * second statement sees what triggers did, such as making the inserting user a member. Deletes
 * take one.
 *
 * The check is evaluated inside the write (in RETURNING), as Hasura does: its subqueries see the
 * database as it was before the statement, so a row cannot vouch for itself (a membership row
 * that makes its own inserter a manager of the controller it joins).
 */
export async function runMutation(
  tx: Queryable,
  mutation: MutationField,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  ctx: SelectContext,
): Promise<string> {
  // biome-ignore lint/suspicious/noExplicitAny: argument values as graphql-js coerced them, checked against the schema
  const args = getArgumentValues(definition, field.nodes[0]!, ctx.variables) as Record<string, any>;
  const path = `$.selectionSet.${field.responseKey}`;
  switch (mutation.kind) {
    case 'insert':
    case 'insertOne': {
      const objects = (mutation.kind === 'insertOne' ? [args.object] : args.objects) as Record<string, unknown>[];
      const argumentPath = `${path}.args.${mutation.kind === 'insertOne' ? 'object' : 'objects'}`;
      const keys =
        objects.length === 0
          ? []
          : await insertRows(
              tx,
              mutation.table,
              objects,
              args.on_conflict as OnConflict | undefined,
              ctx,
              argumentPath,
              path,
            );
      return respond(tx, mutation, definition, field, keys, ctx, path);
    }
    case 'update':
    case 'updateByPk': {
      const keys = await updateRows(tx, mutation, args, ctx, path);
      return respond(tx, mutation, definition, field, keys, ctx, path);
    }
    case 'delete':
    case 'deleteByPk':
      return deleteRows(tx, mutation, definition, field, args, ctx, path);
  }
}

type Keys = Record<string, unknown>[];

interface OnConflict {
  constraint: string;
  update_columns: string[];
  where?: BoolExp;
}

function fresh(ctx: SelectContext): SelectContext {
  return { ...ctx, params: new Params(), aliases: new Aliases() };
}

function presetValues(presets: Presets | undefined, ctx: SelectContext): [string, unknown][] {
  return Object.entries(presets ?? {}).map(([name, value]) => [name, resolveSessionValue(value, ctx)]);
}

async function insertRows(
  tx: Queryable,
  table: TableModel,
  objects: Record<string, unknown>[],
  onConflict: OnConflict | undefined,
  base: SelectContext,
  path: string,
  fieldPath: string,
): Promise<Keys> {
  const ctx = fresh(base);
  const presets = presetValues(ctx.index.insertPermission(table, ctx.role)!.set, ctx);
  const rows = objects.map((object) => ({ ...object, ...Object.fromEntries(presets) }));
  await checkSubmittedValues(tx, table, rows, base, fieldPath);
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
  return write(tx, sql, ctx, path);
}

/** ON CONFLICT: update the listed columns of rows the role may update (and `where` selects), or do nothing. */
function upsertClause(table: TableModel, alias: string, onConflict: OnConflict, ctx: SelectContext): string {
  const target = ` ON CONFLICT ON CONSTRAINT ${ident(onConflict.constraint)}`;
  if (onConflict.update_columns.length === 0) return `${target} DO NOTHING`;
  const permission = ctx.index.updatePermission(table, ctx.role)!;
  const column = (name: string) => ctx.index.column(table, name)!;
  const assignments = [
    ...onConflict.update_columns.map((name) => `${ident(column(name).sql)} = EXCLUDED.${ident(column(name).sql)}`),
    ...presetValues(permission.set, ctx).map(
      ([name, value]) => `${ident(column(name).sql)} = ${ctx.params.add(value, column(name).type)}`,
    ),
  ];
  const conditions = [permission.filter ? compileBoolExp(table, permission.filter, alias, ctx, 'permission') : 'true'];
  if (onConflict.where) conditions.push(compileBoolExp(table, onConflict.where, alias, ctx, 'user'));
  return `${target} DO UPDATE SET ${assignments.join(', ')} WHERE ${conditions.join(' AND ')}`;
}

/**
 * The insert check on the submitted values alone, before writing, when they give every column
 * the check reads: a refused insert then fails with the permission error before a unique or
 * foreign key could answer instead — and tell the caller that another tenant holds such a row.
 * (Rows whose check reads a column a default or trigger fills are checked in the write only.)
 */
async function checkSubmittedValues(
  tx: Queryable,
  table: TableModel,
  rows: Record<string, unknown>[],
  base: SelectContext,
  path: string,
): Promise<void> {
  const check = base.index.insertPermission(table, base.role)!.check;
  if (!check) return;
  const read = localColumns(table, check, base.index);
  if (read.length === 0 || !rows.every((row) => read.every((c) => row[c.name] !== undefined && row[c.name] !== null)))
    return;
  const ctx = fresh(base);
  const alias = ctx.aliases.fresh();
  const values = rows.map((row) => `(${read.map((c) => ctx.params.add(row[c.name], c.type)).join(', ')})`);
  const sql =
    `SELECT coalesce(bool_and(${compileBoolExp(table, check, alias, ctx, 'permission')}), false) AS passed ` +
    `FROM (VALUES ${values.join(', ')}) AS ${alias} (${read.map((c) => ident(c.sql)).join(', ')})`;
  const [result] = await execute<{ passed: boolean }>(tx, sql, ctx, path);
  if (result?.passed !== true)
    throw new EngineError('permission-error', 'check constraint of an insert/update permission has failed', path);
}

/** The permission's check on the written row `alias`, for RETURNING (true when there is none). */
function checkExpression(table: TableModel, check: BoolExp | undefined, alias: string, ctx: SelectContext): string {
  return check ? `coalesce((${compileBoolExp(table, check, alias, ctx, 'permission')}), false)` : 'true';
}

/** Fails the request when a written row did not satisfy the permission's check. */
function enforceCheck(keys: Keys, path: string): void {
  if (keys.some((key) => key._check_passed !== true))
    throw new EngineError('permission-error', 'check constraint of an insert/update permission has failed', path);
}

async function updateRows(
  tx: Queryable,
  mutation: MutationField,
  // biome-ignore lint/suspicious/noExplicitAny: argument values as graphql-js coerced them, checked against the schema
  args: Record<string, any>,
  base: SelectContext,
  path: string,
): Promise<Keys> {
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
  const assignments = [
    ...Object.entries(set).map(
      ([name, value]) => `${ident(column(name).sql)} = ${ctx.params.add(value, column(name).type)}`,
    ),
    ...Object.entries(inc).map(
      ([name, value]) =>
        `${ident(column(name).sql)} = ${alias}.${ident(column(name).sql)} + ${ctx.params.add(value, column(name).type)}`,
    ),
    ...presetValues(permission.set, ctx).map(
      ([name, value]) => `${ident(column(name).sql)} = ${ctx.params.add(value, column(name).type)}`,
    ),
  ];
  // Hasura treats an update without operators as a no-op that still reports the matched rows.
  if (assignments.length === 0)
    assignments.push(
      `${ident(column(table.primaryKey[0]!).sql)} = ${alias}.${ident(column(table.primaryKey[0]!).sql)}`,
    );
  const conditions = [permission.filter ? compileBoolExp(table, permission.filter, alias, ctx, 'permission') : 'true'];
  if (mutation.kind === 'update') conditions.push(compileBoolExp(table, args.where as BoolExp, alias, ctx, 'user'));
  else
    conditions.push(
      ...table.primaryKey.map(
        (key) => `${alias}.${ident(column(key).sql)} = ${ctx.params.add(args.pk_columns[key], column(key).type)}`,
      ),
    );
  const sql =
    `UPDATE ${tableRef(table)} AS ${alias} SET ${assignments.join(', ')} WHERE ${conditions.join(' AND ')} ` +
    `RETURNING ${returningKeys(table, ctx, alias)}, ${checkExpression(table, permission.check, alias, ctx)} AS _check_passed`;
  return write(tx, sql, ctx, path);
}

async function deleteRows(
  tx: Queryable,
  mutation: MutationField,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  // biome-ignore lint/suspicious/noExplicitAny: argument values as graphql-js coerced them, checked against the schema
  args: Record<string, any>,
  base: SelectContext,
  path: string,
): Promise<string> {
  const ctx = fresh(base);
  const { table } = mutation;
  const permission = ctx.index.deletePermission(table, ctx.role)!;
  const alias = ctx.aliases.fresh();
  const conditions = [permission.filter ? compileBoolExp(table, permission.filter, alias, ctx, 'permission') : 'true'];
  if (mutation.kind === 'delete') conditions.push(compileBoolExp(table, args.where as BoolExp, alias, ctx, 'user'));
  else
    conditions.push(
      ...table.primaryKey.map(
        (key) =>
          `${alias}.${ident(ctx.index.column(table, key)!.sql)} = ${ctx.params.add(args[key], ctx.index.column(table, key)!.type)}`,
      ),
    );
  // The response reads the deleted rows from the CTE: the statement's snapshot still has their relatives.
  const rows = ctx.aliases.fresh();
  const body = responseBody(
    mutation,
    definition,
    field,
    rows,
    () => `FROM _deleted AS ${rows} WHERE true`,
    '(SELECT count(*) FROM _deleted)::int',
    ctx,
  );
  const sql = `WITH _deleted AS (DELETE FROM ${tableRef(table)} AS ${alias} WHERE ${conditions.join(' AND ')} RETURNING ${alias}.*) SELECT ${body}::text AS data`;
  const result = await execute<{ data: string | null }>(tx, sql, ctx, path);
  return result[0]?.data ?? 'null';
}

/** Fails when a written row did not pass the permission's check, else builds the field's response. */
async function respond(
  tx: Queryable,
  mutation: MutationField,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  keys: Keys,
  base: SelectContext,
  path: string,
): Promise<string> {
  enforceCheck(keys, path);
  const ctx = fresh(base);
  const rows = ctx.aliases.fresh();
  const body = responseBody(
    mutation,
    definition,
    field,
    rows,
    () => `FROM ${tableRef(mutation.table)} AS ${rows} WHERE ${matchKeys(mutation.table, rows, keys, ctx)}`,
    String(keys.length),
    ctx,
  );
  const [result] = await execute<{ data: string | null }>(tx, `SELECT ${body}::text AS data`, ctx, path);
  return result!.data ?? 'null';
}

/**
 * The field's JSON: for the *One / *ByPk forms the row (if the role may see it), otherwise
 * {affected_rows, returning} in the order the selection asks for them. `rowsFrom` yields the
 * FROM … WHERE clause of the written rows; it is called only where used, since it binds
 * parameters and a statement must use every parameter it binds.
 */
function responseBody(
  mutation: MutationField,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
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
function matchKeys(table: TableModel, alias: string, keys: Keys, ctx: SelectContext): string {
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

async function write(tx: Queryable, sql: string, ctx: SelectContext, path: string): Promise<Keys> {
  return execute<Record<string, unknown>>(tx, sql, ctx, path);
}

async function execute<R extends object>(tx: Queryable, sql: string, ctx: SelectContext, path: string): Promise<R[]> {
  try {
    return await tx.query<R>(sql, ctx.params.values);
  } catch (error) {
    throw Object.assign(error as object, { graphqlPath: path });
  }
}
