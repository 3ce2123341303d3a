import type { Queryable } from '../db/database.js';

/**
 * The declarative model a domain hands to the engine: tables, columns, relationships and per-role
 * permissions, with Hasura's vocabulary. The engine derives the per-role GraphQL schema and the
 * SQL from it and knows nothing else about the domain.
 */

/** GraphQL scalar names, as Hasura exposes Postgres types. */
export type ScalarType =
  | 'uuid'
  | 'String'
  | 'Int'
  | 'Boolean'
  | 'Float'
  | 'timestamptz'
  | 'jsonb'
  | 'numeric'
  | 'bigint';

export interface ColumnModel {
  /** GraphQL name (camelCase). */
  name: string;
  /** SQL column name (snake_case). */
  sql: string;
  type: ScalarType;
  nullable: boolean;
}

/**
 * A Hasura boolean expression over a table's GraphQL names. In permissions, a string value naming
 * a session variable ("X-Hasura-User-Id", any case) stands for that variable's value.
 */
export type BoolExp = { [field: string]: unknown };

export interface RelationshipModel {
  name: string;
  kind: 'object' | 'array';
  /** GraphQL name of the target table. */
  target: string;
  /** Local GraphQL column → target GraphQL column. */
  mapping: Record<string, string>;
}

export interface SelectPermission {
  /** GraphQL column names, or '*' for all. */
  columns: string[] | '*';
  filter?: BoolExp;
  /** Row cap applied to every list of this table. */
  limit?: number;
  allowAggregations?: boolean;
}

/** Column presets: GraphQL column → literal value, or a session variable name ("X-Hasura-User-Id"). */
export type Presets = Record<string, unknown>;

export interface InsertPermission {
  /** Columns the role may set (presets are set for it and are not offered). */
  columns: string[] | '*';
  /** Every inserted row must satisfy it, or the whole request is rolled back. */
  check?: BoolExp;
  set?: Presets;
}

export interface UpdatePermission {
  columns: string[] | '*';
  /** Which rows may be updated. */
  filter?: BoolExp;
  /** Every updated row must satisfy it afterwards. */
  check?: BoolExp;
  set?: Presets;
}

export interface DeletePermission {
  filter?: BoolExp;
}

export interface TablePermissions {
  select?: SelectPermission;
  insert?: InsertPermission;
  update?: UpdatePermission;
  delete?: DeletePermission;
}

export interface RootFieldNames {
  select: string;
  selectByPk: string;
  selectAggregate: string;
  insert: string;
  insertOne: string;
  update: string;
  updateByPk: string;
  delete: string;
  deleteByPk: string;
}

export interface TableModel {
  /** GraphQL type name, e.g. dataControllers. */
  name: string;
  sql: { schema: string; table: string };
  columns: ColumnModel[];
  /** GraphQL names of the primary-key columns. */
  primaryKey: string[];
  /**
   * Unique constraints (besides the primary key, whose constraint is <table>_pkey) that
   * on_conflict may name: Postgres constraint name → GraphQL column names.
   */
  uniqueConstraints?: Record<string, string[]>;
  rootFields: RootFieldNames;
  relationships: RelationshipModel[];
  /** Role name → permissions. The admin role needs none: it sees everything. */
  permissions: Record<string, TablePermissions>;
}

/** What an action's handler gets: its arguments, who asks, and the request's transaction. */
export interface ActionContext {
  input: Record<string, unknown>;
  session: { role: string; variables: Record<string, string> };
  db: Queryable;
  /** What the action's `prepare` answered, when it has one. */
  prepared?: unknown;
  /**
   * Runs `effect` once the request's transaction has committed (never if it rolls back): to
   * tell a worker that there is work its commit made visible (the mail outbox). Errors in it are
   * logged, not answered: the request has succeeded.
   */
  afterCommit: (effect: () => void) => void;
}

/**
 * A custom query or mutation (Hasura "action") served by a handler in the domain. Its types are
 * written in GraphQL SDL and may use the engine's scalars (uuid, jsonb, timestamptz, ...).
 */
export interface ActionModel {
  name: string;
  kind: 'query' | 'mutation';
  /** SDL of the input and output types it uses; a definition several actions repeat identically is declared once. */
  types: string;
  /** The field's arguments in SDL, e.g. "(input: CreateDataSubjectInput!)", or "". */
  arguments: string;
  /** The output type in SDL, e.g. "CreateDataSubjectOutput!". */
  output: string;
  /** Roles that may call it (admin always may). */
  roles: string[];
  /**
   * False when nothing the handler runs (its statements and the triggers they fire) reads the
   * session from current_setting('hasura.user') or the server's clock from pavise.now(): the
   * engine then skips publishing them, one round trip fewer (pavise.now() then falls back to the
   * database's now()). Default true.
   */
  readsSessionInSql?: boolean;
  /**
   * Slow work that must not hold the request's transaction open (a network round trip): run
   * before the transaction begins, with `db` the database outside any transaction (on PGlite an
   * open transaction holds the only connection). What it answers reaches the handler as
   * `context.prepared`; an ActionError here refuses the request before anything runs. It must
   * not write: the operation may still fail after it.
   */
  prepare?: (context: Omit<ActionContext, 'prepared' | 'afterCommit'>) => Promise<unknown>;
  handler: (context: ActionContext) => Promise<unknown>;
}

export interface Model {
  tables: TableModel[];
  actions?: ActionModel[];
}

export const ADMIN_ROLE = 'admin';

/** Nhost-style camelCase root-field names: dataControllers, dataController, insertDataController, ... */
export function nhostRootFields(plural: string, singular: string): RootFieldNames {
  const cap = (name: string) => name[0]!.toUpperCase() + name.slice(1);
  return {
    select: plural,
    selectByPk: singular,
    selectAggregate: `${plural}Aggregate`,
    insert: `insert${cap(plural)}`,
    insertOne: `insert${cap(singular)}`,
    update: `update${cap(plural)}`,
    updateByPk: `update${cap(singular)}`,
    delete: `delete${cap(plural)}`,
    deleteByPk: `delete${cap(singular)}`,
  };
}

/** A column whose GraphQL name is the camelCase of its SQL name. */
export function column(
  sql: string,
  type: ScalarType,
  options: { nullable?: boolean; name?: string } = {},
): ColumnModel {
  return {
    sql,
    type,
    nullable: options.nullable ?? false,
    name: options.name ?? sql.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
  };
}

/** Checks the model's internal references once, so mistakes fail at start-up with a clear message. */
export function validateModel(model: Model): void {
  const tables = new Map(model.tables.map((t) => [t.name, t]));
  for (const table of model.tables) {
    const columns = new Set(table.columns.map((c) => c.name));
    const fail = (what: string) => {
      throw new Error(`GraphQL model: table ${table.name}: ${what}`);
    };
    for (const key of table.primaryKey) if (!columns.has(key)) fail(`primary key column ${key} is not a column`);
    for (const relationship of table.relationships) {
      const target = tables.get(relationship.target);
      if (!target) fail(`relationship ${relationship.name} targets unknown table ${relationship.target}`);
      if (columns.has(relationship.name)) fail(`relationship ${relationship.name} has the name of a column`);
      for (const [local, remote] of Object.entries(relationship.mapping)) {
        if (!columns.has(local)) fail(`relationship ${relationship.name} maps unknown column ${local}`);
        if (!target!.columns.some((c) => c.name === remote))
          fail(`relationship ${relationship.name} maps to unknown column ${relationship.target}.${remote}`);
      }
    }
    for (const [role, permissions] of Object.entries(table.permissions)) {
      for (const kind of ['select', 'insert', 'update'] as const) {
        const listed = permissions[kind]?.columns;
        if (Array.isArray(listed))
          for (const name of listed) if (!columns.has(name)) fail(`role ${role} may ${kind} unknown column ${name}`);
      }
      for (const kind of ['insert', 'update'] as const) {
        for (const name of Object.keys(permissions[kind]?.set ?? {}))
          if (!columns.has(name)) fail(`role ${role} presets unknown column ${name} on ${kind}`);
      }
    }
  }
}
