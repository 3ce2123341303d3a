import {
  ADMIN_ROLE,
  type ColumnModel,
  type DeletePermission,
  type InsertPermission,
  type Model,
  type RelationshipModel,
  type SelectPermission,
  type TableModel,
  type UpdatePermission,
  validateModel,
} from './model.js';

/** Lookups over a validated model, shared by the schema builder and the compiler. */
export class ModelIndex {
  private readonly tables = new Map<string, TableModel>();
  private readonly columns = new Map<string, Map<string, ColumnModel>>();
  private readonly relationships = new Map<string, Map<string, RelationshipModel>>();

  constructor(readonly model: Model) {
    validateModel(model);
    for (const table of model.tables) {
      this.tables.set(table.name, table);
      this.columns.set(table.name, new Map(table.columns.map((c) => [c.name, c])));
      this.relationships.set(table.name, new Map(table.relationships.map((r) => [r.name, r])));
    }
  }

  table(name: string): TableModel {
    const table = this.tables.get(name);
    if (!table) throw new Error(`unknown table ${name}`);
    return table;
  }

  column(table: TableModel, name: string): ColumnModel | undefined {
    return this.columns.get(table.name)!.get(name);
  }

  relationship(table: TableModel, name: string): RelationshipModel | undefined {
    return this.relationships.get(table.name)!.get(name);
  }

  /** The role's select permission; the admin role may select everything, unfiltered. */
  selectPermission(table: TableModel, role: string): SelectPermission | undefined {
    if (role === ADMIN_ROLE) return { columns: '*', allowAggregations: true };
    return table.permissions[role]?.select;
  }

  insertPermission(table: TableModel, role: string): InsertPermission | undefined {
    return role === ADMIN_ROLE ? { columns: '*' } : table.permissions[role]?.insert;
  }

  updatePermission(table: TableModel, role: string): UpdatePermission | undefined {
    return role === ADMIN_ROLE ? { columns: '*' } : table.permissions[role]?.update;
  }

  deletePermission(table: TableModel, role: string): DeletePermission | undefined {
    return role === ADMIN_ROLE ? {} : table.permissions[role]?.delete;
  }

  /** Columns a role may write with an insert or update: permitted, and not preset for it. */
  writableColumns(table: TableModel, permission: InsertPermission | UpdatePermission | undefined): ColumnModel[] {
    if (!permission) return [];
    const preset = new Set(Object.keys(permission.set ?? {}));
    const allowed = permission.columns === '*' ? undefined : new Set(permission.columns);
    return table.columns.filter((c) => !preset.has(c.name) && (!allowed || allowed.has(c.name)));
  }

  /** The columns the role may select, in model order. */
  selectableColumns(table: TableModel, role: string): ColumnModel[] {
    const permission = this.selectPermission(table, role);
    if (!permission) return [];
    if (permission.columns === '*') return table.columns;
    const allowed = new Set(permission.columns);
    return table.columns.filter((c) => allowed.has(c.name));
  }

  /** Constraints on_conflict may name: the primary key's and the declared unique ones. */
  constraints(table: TableModel): string[] {
    return [`${table.sql.table}_pkey`, ...Object.keys(table.uniqueConstraints ?? {})];
  }
}
