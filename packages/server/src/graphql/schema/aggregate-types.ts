import {
  GraphQLBoolean,
  type GraphQLEnumType,
  type GraphQLFieldConfigMap,
  GraphQLFloat,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
} from 'graphql';
import type { ColumnModel, ScalarType, TableModel } from '../model.js';
import { SCALARS } from './scalars.js';

/** Columns Postgres can take max()/min() of (not uuid, boolean or jsonb). */
const ORDERED: ReadonlySet<ScalarType> = new Set(['String', 'Int', 'Float', 'numeric', 'bigint', 'timestamptz']);
/** Columns sum() and avg() apply to. */
export const NUMERIC: ReadonlySet<ScalarType> = new Set(['Int', 'Float', 'numeric', 'bigint']);
export const AGGREGATE_FUNCTIONS = ['max', 'min', 'sum', 'avg'] as const;

export function aggregatableColumns(fn: (typeof AGGREGATE_FUNCTIONS)[number], columns: ColumnModel[]): ColumnModel[] {
  return columns.filter((c) => (fn === 'max' || fn === 'min' ? ORDERED : NUMERIC).has(c.type));
}

/** <table>_aggregate { aggregate { count max min sum avg } nodes }, as Hasura names them. */
export function aggregateType(
  table: TableModel,
  columns: ColumnModel[],
  object: GraphQLObjectType,
  selectColumn: GraphQLEnumType,
): GraphQLObjectType {
  const fields: GraphQLFieldConfigMap<unknown, unknown> = {
    count: {
      type: new GraphQLNonNull(GraphQLInt),
      args: {
        columns: { type: new GraphQLList(new GraphQLNonNull(selectColumn)) },
        distinct: { type: GraphQLBoolean },
      },
    },
  };
  for (const fn of AGGREGATE_FUNCTIONS) {
    const applicable = aggregatableColumns(fn, columns);
    if (applicable.length === 0) continue;
    fields[fn] = {
      type: new GraphQLObjectType({
        name: `${table.name}_${fn}_fields`,
        description: `aggregate ${fn} on columns`,
        // avg of integers is fractional, as in Hasura.
        fields: Object.fromEntries(
          applicable.map((c) => [c.name, { type: fn === 'avg' ? GraphQLFloat : SCALARS[c.type] }]),
        ),
      }),
    };
  }
  const aggregateFields = new GraphQLObjectType({
    name: `${table.name}_aggregate_fields`,
    description: `aggregate fields of "${table.sql.table}"`,
    fields,
  });
  return new GraphQLObjectType({
    name: `${table.name}_aggregate`,
    description: `aggregated selection of "${table.sql.table}"`,
    fields: {
      aggregate: { type: aggregateFields },
      nodes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))) },
    },
  });
}
