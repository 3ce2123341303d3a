import {
  extendSchema,
  GraphQLBoolean,
  GraphQLEnumType,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSchema,
  GraphQLString,
  parse,
  print,
} from 'graphql';
import {
  type ActionModel,
  ADMIN_ROLE,
  type ColumnModel,
  type RelationshipModel,
  type ScalarType,
  type TableModel,
} from '../model.js';
import type { ModelIndex } from '../model-index.js';
import { aggregateType } from './aggregate-types.js';
import { buildMutationFields, type MutationKind } from './mutation-fields.js';
import { SCALARS } from './scalars.js';

/** What a root field of a role's schema does. */
export interface RootField {
  kind: 'select' | 'selectByPk' | 'selectAggregate';
  table: TableModel;
}

export interface MutationField {
  kind: MutationKind;
  table: TableModel;
}

export interface RoleSchema {
  role: string;
  schema: GraphQLSchema;
  rootFields: Map<string, RootField>;
  mutationFields: Map<string, MutationField>;
  /** Action root fields (queries and mutations) by name. */
  actions: Map<string, ActionModel>;
}

const COMPARISON_OPERATORS = ['_eq', '_neq', '_gt', '_lt', '_gte', '_lte'];
const TEXT_OPERATORS = [
  '_like',
  '_nlike',
  '_ilike',
  '_nilike',
  '_similar',
  '_nsimilar',
  '_regex',
  '_nregex',
  '_iregex',
  '_niregex',
];

/**
 * Builds the schema one role sees: only the tables it may select, only their permitted columns,
 * only relationships to tables it may also select. Names follow Hasura's defaults with the
 * model's custom (Nhost-style) root-field names.
 */
export function buildRoleSchema(index: ModelIndex, role: string): RoleSchema {
  const visible = index.model.tables.filter((table) => index.selectPermission(table, role));
  const isVisible = (name: string) => visible.some((t) => t.name === name);

  const orderBy = new GraphQLEnumType({
    name: 'order_by',
    description: 'column ordering options',
    values: Object.fromEntries(
      ['asc', 'asc_nulls_first', 'asc_nulls_last', 'desc', 'desc_nulls_first', 'desc_nulls_last'].map((v) => [
        v,
        { value: v },
      ]),
    ),
  });

  const comparisons = new Map<ScalarType, GraphQLInputObjectType>();
  const comparisonExp = (type: ScalarType): GraphQLInputObjectType => {
    let exp = comparisons.get(type);
    if (exp) return exp;
    const scalar = SCALARS[type];
    const fields: GraphQLInputFieldConfigMap = {};
    if (type === 'jsonb') {
      for (const op of ['_eq', '_neq', '_contains', '_contained_in']) fields[op] = { type: scalar };
      fields._has_key = { type: GraphQLString };
      fields._has_keys_any = { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) };
      fields._has_keys_all = { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) };
    } else {
      for (const op of COMPARISON_OPERATORS) fields[op] = { type: scalar };
      fields._in = { type: new GraphQLList(new GraphQLNonNull(scalar)) };
      fields._nin = { type: new GraphQLList(new GraphQLNonNull(scalar)) };
      if (type === 'String') for (const op of TEXT_OPERATORS) fields[op] = { type: scalar };
    }
    fields._is_null = { type: GraphQLBoolean };
    exp = new GraphQLInputObjectType({
      name: `${type}_comparison_exp`,
      description: `Boolean expression to compare columns of type "${type}". All fields are combined with logical 'AND'.`,
      fields,
    });
    comparisons.set(type, exp);
    return exp;
  };

  const objectTypes = new Map<string, GraphQLObjectType>();
  const boolExps = new Map<string, GraphQLInputObjectType>();
  const orderBys = new Map<string, GraphQLInputObjectType>();
  const selectColumns = new Map<string, GraphQLEnumType>();

  for (const table of visible) {
    const columns = index.selectableColumns(table, role);
    const relationships = table.relationships.filter((r) => isVisible(r.target));
    /**
     * An input type of this table: the `first` fields, then one per column and one per
     * relationship `relationship` gives a type (built lazily: they name the other tables' types).
     */
    const tableInput = (
      name: string,
      description: string,
      column: (column: ColumnModel) => GraphQLInputType,
      relationship: (relationship: RelationshipModel) => GraphQLInputType | undefined,
      first: () => GraphQLInputFieldConfigMap = () => ({}),
    ) =>
      new GraphQLInputObjectType({
        name,
        description,
        fields: () => {
          const fields = first();
          for (const c of columns) fields[c.name] = { type: column(c) };
          for (const r of relationships) {
            const type = relationship(r);
            if (type) fields[r.name] = { type };
          }
          return fields;
        },
      });

    boolExps.set(
      table.name,
      tableInput(
        `${table.name}_bool_exp`,
        `Boolean expression to filter rows from the table "${table.sql.table}". All fields are combined with a logical 'AND'.`,
        (column) => comparisonExp(column.type),
        (relationship) => boolExps.get(relationship.target)!,
        () => {
          const self = boolExps.get(table.name)!;
          return {
            _and: { type: new GraphQLList(new GraphQLNonNull(self)) },
            _not: { type: self },
            _or: { type: new GraphQLList(new GraphQLNonNull(self)) },
          };
        },
      ),
    );
    // Array relationships order nothing: only object relationships are fields of order_by.
    orderBys.set(
      table.name,
      tableInput(
        `${table.name}_order_by`,
        `Ordering options when selecting data from "${table.sql.table}".`,
        () => orderBy,
        (relationship) => (relationship.kind === 'object' ? orderBys.get(relationship.target)! : undefined),
      ),
    );

    selectColumns.set(
      table.name,
      new GraphQLEnumType({
        name: `${table.name}_select_column`,
        description: `select columns of table "${table.sql.table}"`,
        values: Object.fromEntries(columns.map((c) => [c.name, { value: c.name, description: 'column name' }])),
      }),
    );

    objectTypes.set(
      table.name,
      new GraphQLObjectType({
        name: table.name,
        description: `columns and relationships of "${table.sql.table}"`,
        fields: () => {
          const fields: GraphQLFieldConfigMap<unknown, unknown> = {};
          for (const column of columns) {
            const scalar = SCALARS[column.type];
            fields[column.name] = { type: column.nullable ? scalar : new GraphQLNonNull(scalar) };
          }
          for (const relationship of relationships) {
            const target = objectTypes.get(relationship.target)!;
            fields[relationship.name] =
              relationship.kind === 'object'
                ? { type: target }
                : {
                    type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(target))),
                    args: listArguments(relationship.target),
                  };
          }
          return fields;
        },
      }),
    );
  }

  function listArguments(tableName: string): GraphQLFieldConfigArgumentMap {
    return {
      distinct_on: {
        type: new GraphQLList(new GraphQLNonNull(selectColumns.get(tableName)!)),
        description: 'distinct select on columns',
      },
      limit: { type: GraphQLInt, description: 'limit the number of rows returned' },
      offset: { type: GraphQLInt, description: 'skip the first n rows. Use only with order_by' },
      order_by: {
        type: new GraphQLList(new GraphQLNonNull(orderBys.get(tableName)!)),
        description: 'sort the rows by one or more columns',
      },
      where: { type: boolExps.get(tableName)!, description: 'filter the rows returned' },
    };
  }

  const rootFields = new Map<string, RootField>();
  const queryFields: GraphQLFieldConfigMap<unknown, unknown> = {};
  for (const table of visible) {
    const type = objectTypes.get(table.name)!;
    queryFields[table.rootFields.select] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))),
      description: `fetch data from the table: "${table.sql.table}"`,
      args: listArguments(table.name),
    };
    rootFields.set(table.rootFields.select, { kind: 'select', table });
    if (index.selectPermission(table, role)!.allowAggregations) {
      queryFields[table.rootFields.selectAggregate] = {
        type: new GraphQLNonNull(
          aggregateType(table, index.selectableColumns(table, role), type, selectColumns.get(table.name)!),
        ),
        description: `fetch aggregated fields from the table: "${table.sql.table}"`,
        args: listArguments(table.name),
      };
      rootFields.set(table.rootFields.selectAggregate, { kind: 'selectAggregate', table });
    }
    const selectable = new Set(index.selectableColumns(table, role).map((c) => c.name));
    if (table.primaryKey.every((key) => selectable.has(key))) {
      const args: GraphQLFieldConfigArgumentMap = {};
      for (const key of table.primaryKey) {
        args[key] = { type: new GraphQLNonNull(SCALARS[index.column(table, key)!.type] as GraphQLInputType) };
      }
      queryFields[table.rootFields.selectByPk] = {
        type: type as GraphQLOutputType,
        description: `fetch data from the table: "${table.sql.table}" using primary key columns`,
        args,
      };
      rootFields.set(table.rootFields.selectByPk, { kind: 'selectByPk', table });
    }
  }
  if (Object.keys(queryFields).length === 0)
    queryFields.no_queries_available = { type: new GraphQLNonNull(GraphQLString) };

  const mutationFields = new Map<string, MutationField>();
  const mutations = buildMutationFields(index, role, { objects: objectTypes, boolExps }, (field, kind, table) =>
    mutationFields.set(field, { kind, table }),
  );

  const schema = new GraphQLSchema({
    // Every role knows every scalar, as in Hasura: a variable declared uuid is valid for a role
    // that has no uuid column, and fails, if at all, on the field that is hidden from it.
    types: Object.values(SCALARS),
    query: new GraphQLObjectType({ name: 'query_root', fields: queryFields }),
    ...(Object.keys(mutations).length > 0
      ? { mutation: new GraphQLObjectType({ name: 'mutation_root', fields: mutations }) }
      : {}),
  });
  const actions = new Map(
    (index.model.actions ?? []).filter((a) => role === ADMIN_ROLE || a.roles.includes(role)).map((a) => [a.name, a]),
  );
  return { role, rootFields, mutationFields, actions, schema: withActions(schema, [...actions.values()]) };
}

/** Adds the actions' types and root fields to a role's schema, from their SDL. */
function withActions(schema: GraphQLSchema, actions: ActionModel[]): GraphQLSchema {
  if (actions.length === 0) return schema;
  const field = (a: ActionModel) => `  ${a.name}${a.arguments}: ${a.output}`;
  const queries = actions.filter((a) => a.kind === 'query');
  const mutations = actions.filter((a) => a.kind === 'mutation');
  // A type several actions declare (an output they share) is declared once: definitions are
  // compared as printed, so the same type written twice is one, and two different types of one
  // name still fail as they should.
  const sdl = [
    ...new Set(
      actions.flatMap((a) => (a.types.trim() ? parse(a.types).definitions.map((definition) => print(definition)) : [])),
    ),
  ];
  if (queries.length > 0) sdl.push(`extend type query_root {\n${queries.map(field).join('\n')}\n}`);
  if (mutations.length > 0) {
    sdl.push(
      schema.getMutationType()
        ? `extend type mutation_root {\n${mutations.map(field).join('\n')}\n}`
        : `type mutation_root {\n${mutations.map(field).join('\n')}\n}\nextend schema { mutation: mutation_root }`,
    );
  }
  return extendSchema(schema, parse(sdl.join('\n')));
}
