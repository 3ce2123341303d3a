import {
  buildClientSchema,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { type Caller, gqlData } from './privacy.js';
import type { TestServer } from './server.js';

/**
 * What one role can do, read from the schema the server gives that role (introspection), so the
 * permission tests follow the model automatically: a new table, column, relationship or action
 * appears here without the tests naming it. Root fields are classified by their Hasura shapes:
 * a table is a type some root list field with a `where` argument returns.
 */
export interface TableApi {
  /** The GraphQL type name (the model's table name, e.g. dataSubjects). */
  type: string;
  scalars: string[];
  relationships: { name: string; target: string; list: boolean }[];
  /** Columns the role may filter on (its `where` type). */
  whereColumns: string[];
  list: string;
  byPk?: string;
  aggregate?: string;
  insert?: string;
  insertOne?: string;
  insertColumns: string[];
  onConflict?: { constraints: string[]; updateColumns: string[] };
  update?: string;
  updateByPk?: string;
  setColumns: string[];
  delete?: string;
  deleteByPk?: string;
}

export interface ActionApi {
  name: string;
  kind: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
}

export interface RoleApi {
  schema: GraphQLSchema;
  tables: Map<string, TableApi>;
  actions: ActionApi[];
}

export async function introspect(server: TestServer, caller: Caller): Promise<RoleApi> {
  return classify(buildClientSchema(await gqlData(server, getIntrospectionQuery(), {}, caller)));
}

const fieldsOf = (type: { getFields(): Record<string, any> } | null | undefined) =>
  Object.values(type?.getFields() ?? {});
const argNames = (field: GraphQLField<unknown, unknown>) => field.args.map((a) => a.name);

export function classify(schema: GraphQLSchema): RoleApi {
  const tables = new Map<string, TableApi>();
  const query = fieldsOf(schema.getQueryType()) as GraphQLField<unknown, unknown>[];
  const mutation = fieldsOf(schema.getMutationType()) as GraphQLField<unknown, unknown>[];
  const claimed = new Set<GraphQLField<unknown, unknown>>();

  // A table: the type of a root list field with a where argument.
  for (const field of query) {
    const named = getNamedType(field.type);
    if (
      isNonNullType(field.type) &&
      isListType(field.type.ofType) &&
      isObjectType(named) &&
      argNames(field).includes('where')
    ) {
      const whereType = field.args.find((a) => a.name === 'where')!.type;
      const whereColumns = fieldsOf(getNamedType(whereType) as any)
        .filter((f: any) => String(getNamedType(f.type as GraphQLInputType)).endsWith('_comparison_exp'))
        .map((f: any) => f.name as string);
      tables.set(named.name, {
        type: named.name,
        scalars: [],
        relationships: [],
        whereColumns,
        list: field.name,
        insertColumns: [],
        setColumns: [],
      });
      claimed.add(field);
    }
  }
  for (const table of tables.values()) {
    const type = schema.getType(table.type) as GraphQLObjectType;
    for (const field of fieldsOf(type) as GraphQLField<unknown, unknown>[]) {
      const named = getNamedType(field.type);
      if (isLeafType(named)) table.scalars.push(field.name);
      else if (tables.has(named.name))
        table.relationships.push({
          name: field.name,
          target: named.name,
          list: isListType(getNullableType(field.type)),
        });
      else throw new Error(`${table.type}.${field.name}: neither a column nor a relationship to a table`);
    }
  }
  for (const field of query) {
    if (claimed.has(field)) continue;
    const named = getNamedType(field.type);
    if (named.name.endsWith('_aggregate') && tables.has(named.name.slice(0, -'_aggregate'.length))) {
      tables.get(named.name.slice(0, -'_aggregate'.length))!.aggregate = field.name;
      claimed.add(field);
    } else if (!isNonNullType(field.type) && tables.has(named.name)) {
      tables.get(named.name)!.byPk = field.name;
      claimed.add(field);
    }
  }
  for (const field of mutation) {
    const named = getNamedType(field.type);
    const args = argNames(field);
    const responseOf = named.name.endsWith('_mutation_response')
      ? tables.get(named.name.slice(0, -'_mutation_response'.length))
      : undefined;
    const rowOf = !isNonNullType(field.type) ? tables.get(named.name) : undefined;
    const table = responseOf ?? rowOf;
    if (!table) continue;
    claimed.add(field);
    if (args.includes('objects') || args.includes('object')) {
      if (responseOf) table.insert = field.name;
      else table.insertOne = field.name;
      const input = field.args.find((a) => a.name === 'objects' || a.name === 'object')!.type;
      table.insertColumns = fieldsOf(getNamedType(input) as any).map((f: any) => f.name);
      const onConflict = field.args.find((a) => a.name === 'on_conflict');
      if (onConflict) {
        const fields = (getNamedType(onConflict.type) as any).getFields();
        const values = (name: string) =>
          (getNamedType(fields[name].type) as any).getValues().map((v: any) => v.name as string);
        table.onConflict = {
          constraints: values('constraint'),
          updateColumns: values('update_columns').filter((v: string) => v !== '_PLACEHOLDER'),
        };
      }
    } else if (args.includes('_set')) {
      if (responseOf) table.update = field.name;
      else table.updateByPk = field.name;
      table.setColumns = fieldsOf(getNamedType(field.args.find((a) => a.name === '_set')!.type) as any).map(
        (f: any) => f.name,
      );
    } else if (responseOf) table.delete = field.name;
    else table.deleteByPk = field.name;
  }
  const actions: ActionApi[] = [
    ...query
      .filter((f) => !claimed.has(f) && f.name !== 'no_queries_available')
      .map((field) => ({ name: field.name, kind: 'query' as const, field })),
    ...mutation.filter((f) => !claimed.has(f)).map((field) => ({ name: field.name, kind: 'mutation' as const, field })),
  ];
  return { schema, tables, actions };
}

/** Every leaf field of an output type, nested objects included: `{ a b { c } }` (without braces at the top). */
export function leafSelection(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  return fieldsOf(named)
    .map((field: GraphQLField<unknown, unknown>) =>
      isLeafType(getNamedType(field.type)) ? field.name : `${field.name} { ${leafSelection(field.type)} }`,
    )
    .join(' ');
}

/** The selection of a table's columns, and with `depth` > 0 of its relationships' (recursively). */
export function tableSelection(api: RoleApi, type: string, depth: number): string {
  const table = api.tables.get(type)!;
  const nested =
    depth > 0 ? table.relationships.map((r) => `${r.name} { ${tableSelection(api, r.target, depth - 1)} }`) : [];
  return [...table.scalars, ...nested].join(' ');
}
