import {
  GraphQLEnumType,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
} from 'graphql';
import type { ColumnModel, TableModel } from '../model.js';
import type { ModelIndex } from '../model-index.js';
import { NUMERIC } from './aggregate-types.js';
import { SCALARS } from './scalars.js';

export type MutationKind = 'insert' | 'insertOne' | 'update' | 'updateByPk' | 'delete' | 'deleteByPk';

/**
 * The mutation_root fields a role may use, with Hasura's names and argument types. A role needs
 * select permission on a table to mutate it here: its where arguments and returned rows are
 * expressed in the types the select permission defines.
 */
export function buildMutationFields(
  index: ModelIndex,
  role: string,
  types: { objects: Map<string, GraphQLObjectType>; boolExps: Map<string, GraphQLInputObjectType> },
  register: (field: string, kind: MutationKind, table: TableModel) => void,
): GraphQLFieldConfigMap<unknown, unknown> {
  const fields: GraphQLFieldConfigMap<unknown, unknown> = {};
  const inputOf = (name: string, columns: ColumnModel[]) =>
    new GraphQLInputObjectType({
      name,
      fields: () =>
        Object.fromEntries(columns.map((c) => [c.name, { type: SCALARS[c.type] }])) as GraphQLInputFieldConfigMap,
    });

  for (const table of index.model.tables) {
    const object = types.objects.get(table.name);
    const boolExp = types.boolExps.get(table.name);
    if (!object || !boolExp) continue;
    const response = new GraphQLObjectType({
      name: `${table.name}_mutation_response`,
      description: `response of any mutation on the table "${table.sql.table}"`,
      fields: {
        affected_rows: { type: new GraphQLNonNull(GraphQLInt), description: 'number of rows affected by the mutation' },
        returning: {
          type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
          description: 'data from the rows affected by the mutation',
        },
      },
    });
    const selectable = new Set(index.selectableColumns(table, role).map((c) => c.name));
    const pkArgs: GraphQLFieldConfigArgumentMap | undefined = table.primaryKey.every((key) => selectable.has(key))
      ? Object.fromEntries(
          table.primaryKey.map((key) => [key, { type: new GraphQLNonNull(SCALARS[index.column(table, key)!.type]) }]),
        )
      : undefined;
    const names = table.rootFields;

    const insertable = index.writableColumns(table, index.insertPermission(table, role));
    const updatable = index.writableColumns(table, index.updatePermission(table, role));
    if (index.insertPermission(table, role)) {
      const input = inputOf(`${table.name}_insert_input`, insertable);
      // Upserts only where the role may also update, as in Hasura.
      const onConflict: GraphQLFieldConfigArgumentMap = index.updatePermission(table, role)
        ? {
            on_conflict: {
              type: new GraphQLInputObjectType({
                name: `${table.name}_on_conflict`,
                description: `on_conflict condition type for table "${table.sql.table}"`,
                fields: {
                  constraint: {
                    type: new GraphQLNonNull(
                      new GraphQLEnumType({
                        name: `${table.name}_constraint`,
                        description: `unique or primary key constraints on table "${table.sql.table}"`,
                        values: Object.fromEntries(index.constraints(table).map((name) => [name, { value: name }])),
                      }),
                    ),
                  },
                  update_columns: {
                    type: new GraphQLNonNull(
                      new GraphQLList(
                        new GraphQLNonNull(
                          new GraphQLEnumType({
                            name: `${table.name}_update_column`,
                            description: `update columns of table "${table.sql.table}"`,
                            values:
                              updatable.length > 0
                                ? Object.fromEntries(updatable.map((c) => [c.name, { value: c.name }]))
                                : { _PLACEHOLDER: { value: '_PLACEHOLDER', description: 'placeholder (do not use)' } },
                          }),
                        ),
                      ),
                    ),
                    defaultValue: [],
                  },
                  where: { type: boolExp },
                },
              }),
            },
          }
        : {};
      fields[names.insert] = {
        type: response,
        description: `insert data into the table: "${table.sql.table}"`,
        args: { objects: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(input))) }, ...onConflict },
      };
      fields[names.insertOne] = {
        type: object,
        description: `insert a single row into the table: "${table.sql.table}"`,
        args: { object: { type: new GraphQLNonNull(input) }, ...onConflict },
      };
      register(names.insert, 'insert', table);
      register(names.insertOne, 'insertOne', table);
    }

    if (index.updatePermission(table, role) && updatable.length > 0) {
      const operators: GraphQLFieldConfigArgumentMap = {
        _set: { type: inputOf(`${table.name}_set_input`, updatable) },
      };
      const incrementable = updatable.filter((c) => NUMERIC.has(c.type));
      if (incrementable.length > 0) operators._inc = { type: inputOf(`${table.name}_inc_input`, incrementable) };
      fields[names.update] = {
        type: response,
        description: `update data of the table: "${table.sql.table}"`,
        args: { ...operators, where: { type: new GraphQLNonNull(boolExp) } },
      };
      register(names.update, 'update', table);
      if (pkArgs) {
        const pkInput = new GraphQLInputObjectType({
          name: `${table.name}_pk_columns_input`,
          description: `primary key columns input for table: ${table.sql.table}`,
          fields: pkArgs as GraphQLInputFieldConfigMap,
        });
        fields[names.updateByPk] = {
          type: object,
          description: `update single row of the table: "${table.sql.table}"`,
          args: { ...operators, pk_columns: { type: new GraphQLNonNull(pkInput) } },
        };
        register(names.updateByPk, 'updateByPk', table);
      }
    }

    if (index.deletePermission(table, role)) {
      fields[names.delete] = {
        type: response,
        description: `delete data from the table: "${table.sql.table}"`,
        args: { where: { type: new GraphQLNonNull(boolExp) } },
      };
      register(names.delete, 'delete', table);
      if (pkArgs) {
        fields[names.deleteByPk] = {
          type: object,
          description: `delete single row from the table: "${table.sql.table}"`,
          args: pkArgs,
        };
        register(names.deleteByPk, 'deleteByPk', table);
      }
    }
  }
  return fields;
}
