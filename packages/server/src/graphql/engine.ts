import {
  type DocumentNode,
  execute,
  type FragmentDefinitionNode,
  getOperationAST,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { type Clock, systemClock } from '../clock.js';
import type { Database, Queryable, QueryOptions } from '../db/database.js';
import { runAction } from './compile/action.js';
import { type CollectedField, collectFields } from './compile/collect-fields.js';
import { runMutation } from './compile/mutation.js';
import { compileQuery, type SelectContext } from './compile/select.js';
import { Aliases, Params, type SessionBinding } from './compile/sql.js';
import { EngineError, errorResponse } from './errors.js';
import { checkLimits, DEFAULT_LIMITS, type QueryLimits } from './limits.js';
import type { ActionModel, Model } from './model.js';
import { ModelIndex } from './model-index.js';
import { PreparedStatements } from './prepared-statements.js';
import { buildRoleSchema, type RoleSchema } from './schema/build-schema.js';
import { toHasuraValidationError, toHasuraVariableError } from './validation-errors.js';

/** Who is asking: the role in force and the session variables (names lower-cased). */
export interface Session {
  role: string;
  variables: Record<string, string>;
}

export interface GraphQLRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** A parsed, validated operation for one role, kept in the plan cache. */
interface Plan {
  roleSchema: RoleSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  /** The query's compiled statement per variables (as JSON text), for any session of the role. */
  statements: Map<string, CompiledStatement>;
}

/** A query compiled to one statement: its text, its parameters, and which come from the session. */
interface CompiledStatement {
  sql: string;
  values: readonly unknown[];
  sessionBindings: readonly SessionBinding[];
  options: QueryOptions | undefined;
}

const PLAN_CACHE_SIZE = 2_000;
/**
 * Compiled statements kept per plan. Operations whose variables change on every request (an id)
 * gain nothing from it and cycle through; those with none or few variable values hit it.
 */
const STATEMENTS_PER_PLAN = 8;

/**
 * The Hasura-compatible engine: a per-role schema built from the model, and an executor that
 * turns each operation into one SQL statement whose result is the response's `data`.
 */
export class GraphQLEngine {
  private readonly index: ModelIndex;
  private readonly schemas = new Map<string, RoleSchema>();
  private readonly plans = new Map<string, Plan | EngineError[]>();
  private readonly prepared = new PreparedStatements();

  constructor(
    private readonly db: Database,
    model: Model,
    private readonly log: { error(obj: unknown, msg: string): void } = console,
    private readonly limits: QueryLimits = DEFAULT_LIMITS,
    /** Published to SQL with the session, as pavise.now(): the time triggers and actions go by. */
    private readonly clock: Clock = systemClock,
  ) {
    this.index = new ModelIndex(model);
  }

  schemaFor(role: string): RoleSchema {
    let schema = this.schemas.get(role);
    if (!schema) {
      schema = buildRoleSchema(this.index, role);
      this.schemas.set(role, schema);
    }
    return schema;
  }

  /** Runs one request and returns the JSON text of its response ({"data"} or {"errors"}). */
  async execute(request: GraphQLRequest, session: Session): Promise<string> {
    try {
      return await this.run(request, session);
    } catch (error) {
      if (error instanceof EngineError) return JSON.stringify(errorResponse([error]));
      throw error;
    }
  }

  private async run(request: GraphQLRequest, session: Session): Promise<string> {
    if (typeof request !== 'object' || request === null || typeof request.query !== 'string') {
      throw new EngineError('parse-failed', "the key 'query' was not present", '$');
    }
    if (
      request.variables !== undefined &&
      request.variables !== null &&
      (typeof request.variables !== 'object' || Array.isArray(request.variables))
    ) {
      throw new EngineError('parse-failed', 'variables must be an object', '$.variables');
    }
    const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
    const plan = this.plan(session.role, request.query, operationName);
    if (Array.isArray(plan)) return JSON.stringify(errorResponse(plan));
    // A query already compiled with these variables needs no coercion or compilation again:
    // only the parameters taken from the session are computed for this caller.
    const variablesKey =
      request.variables === undefined || request.variables === null ? '' : JSON.stringify(request.variables);
    const compiled = plan.statements.get(variablesKey);
    if (compiled)
      return `{"data":${await this.runQuery(this.db, compiled.sql, bindSession(compiled, session.variables), compiled.options)}}`;

    const coerced = getVariableValues(
      plan.roleSchema.schema,
      plan.operation.variableDefinitions ?? [],
      (request.variables ?? {}) as Record<string, unknown>,
    );
    if (coerced.errors) return JSON.stringify(errorResponse(coerced.errors.map(toHasuraVariableError)));

    // graphql-js validation lets these through; its executor would refuse them.
    if (plan.operation.operation === 'subscription')
      throw new EngineError('validation-failed', 'no subscriptions exist', '$');
    if (plan.operation.operation === 'mutation' && !plan.roleSchema.schema.getMutationType())
      throw new EngineError('validation-failed', 'no mutations exist', '$');
    const context: SelectContext = {
      maxRows: this.limits.maxRows,
      index: this.index,
      params: new Params(),
      aliases: new Aliases(),
      role: session.role,
      session: session.variables,
      roleSchema: plan.roleSchema,
      fragments: plan.fragments,
      variables: coerced.coerced,
    };
    const fields = collectFields(plan.operation.selectionSet, context);
    if (plan.operation.operation === 'mutation') return this.mutate(plan, fields, session, context);
    const isIntrospection = (f: CollectedField) => f.name === '__schema' || f.name === '__type';
    const isAction = (f: CollectedField) => plan.roleSchema.actions.has(f.name);
    const selected = fields.filter((f) => !isIntrospection(f) && !isAction(f));
    if (selected.length === fields.length) {
      const sql = compileQuery(selected, context);
      const statement: CompiledStatement = {
        sql,
        values: context.params.values,
        sessionBindings: context.params.sessionBindings,
        options: this.prepared.optionsFor(sql),
      };
      if (plan.statements.size >= STATEMENTS_PER_PLAN) plan.statements.clear();
      plan.statements.set(variablesKey, statement);
      return `{"data":${await this.runQuery(this.db, sql, statement.values, statement.options)}}`;
    }

    // Introspection is answered from the role's schema by graphql-js, actions by their handlers
    // (in one transaction with the rest), everything else by one statement.
    const introspected = fields.some(isIntrospection)
      ? this.introspect(plan, fields.filter(isIntrospection), coerced.coerced)
      : {};
    const run = async (db: Queryable) => {
      const parts: Record<string, unknown> =
        selected.length > 0
          ? JSON.parse(await this.runQuery(db, compileQuery(selected, context), context.params.values))
          : {};
      for (const field of fields.filter(isAction)) {
        parts[field.responseKey] = JSON.parse(
          await runAction(
            db,
            plan.roleSchema.actions.get(field.name)!,
            plan.roleSchema.schema.getQueryType()!.getFields()[field.name]!,
            field,
            context,
          ),
        );
      }
      return parts;
    };
    const actions = fields.filter(isAction).map((f) => plan.roleSchema.actions.get(f.name)!);
    const fromDatabase =
      actions.length > 0 ? await this.inTransaction(session, run, actions.some(readsSession)) : await run(this.db);
    const data: Record<string, unknown> = {};
    for (const field of fields)
      data[field.responseKey] =
        field.responseKey in introspected ? introspected[field.responseKey] : fromDatabase[field.responseKey];
    return JSON.stringify({ data });
  }

  /**
   * Runs `work` in a transaction with the session visible to SQL as current_setting('hasura.user'),
   * and the engine's clock as pavise.now() (migration 0010) — unless nothing in it reads them
   * (`publish` false), which saves a round trip.
   */
  private async inTransaction<T>(session: Session, work: (tx: Queryable) => Promise<T>, publish = true): Promise<T> {
    try {
      return await this.db.transaction(async (tx) => {
        if (publish)
          await tx.query(
            "SELECT set_config('hasura.user', $1, true), set_config('pavise.now', $2::text, true)",
            [JSON.stringify(session.variables), this.clock.now()],
            { name: 'pavise.set-session' },
          );
        return work(tx);
      });
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw this.databaseError(error);
    }
  }

  /**
   * All mutation fields of a request, in order, in one transaction; session variables are visible
   * to triggers as current_setting('hasura.user'), as in Hasura, and the clock as pavise.now().
   * Any error rolls back them all.
   */
  private async mutate(
    plan: Plan,
    fields: CollectedField[],
    session: Session,
    context: SelectContext,
  ): Promise<string> {
    const mutationType = plan.roleSchema.schema.getMutationType()!;
    // Table mutations fire triggers, which may read the session; actions say whether theirs do.
    const publish = fields.some((field) => {
      const action = plan.roleSchema.actions.get(field.name);
      return action ? readsSession(action) : field.name !== '__typename';
    });
    return this.inTransaction(
      session,
      async (tx) => {
        const parts: string[] = [];
        for (const field of fields) {
          const definition = mutationType.getFields()[field.name]!;
          const action = plan.roleSchema.actions.get(field.name);
          const value =
            field.name === '__typename'
              ? '"mutation_root"'
              : action
                ? await runAction(tx, action, definition, field, context)
                : await runMutation(
                    this.prepared.wrap(tx),
                    plan.roleSchema.mutationFields.get(field.name)!,
                    definition,
                    field,
                    context,
                  );
          parts.push(`${JSON.stringify(field.responseKey)}:${value}`);
        }
        return `{"data":{${parts.join(',')}}}`;
      },
      publish,
    );
  }

  /** Runs a compiled query statement; returns the JSON text of `data`. */
  private async runQuery(
    db: Queryable,
    sql: string,
    values: readonly unknown[],
    options?: QueryOptions,
  ): Promise<string> {
    try {
      const rows = await db.query<{ data: string }>(sql, values, options);
      return rows[0]!.data;
    } catch (error) {
      throw this.databaseError(error);
    }
  }

  private introspect(
    plan: Plan,
    fields: CollectedField[],
    variables: Record<string, unknown>,
  ): Record<string, unknown> {
    const operation: OperationDefinitionNode = {
      ...plan.operation,
      selectionSet: { kind: Kind.SELECTION_SET, selections: fields.flatMap((f) => f.nodes) },
    };
    const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(plan.fragments)] };
    const result = execute({ schema: plan.roleSchema.schema, document, variableValues: variables });
    if ('then' in result || result.errors) throw new EngineError('unexpected', 'introspection failed', '$');
    return result.data as Record<string, unknown>;
  }

  /** Parse, validate and pick the operation, once per (role, document, operation name). */
  private plan(role: string, query: string, operationName: string | undefined): Plan | EngineError[] {
    const key = `${role}\u0000${operationName ?? ''}\u0000${query}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const plan = this.makePlan(role, query, operationName);
    if (this.plans.size >= PLAN_CACHE_SIZE) this.plans.delete(this.plans.keys().next().value!);
    this.plans.set(key, plan);
    return plan;
  }

  private makePlan(role: string, query: string, operationName: string | undefined): Plan | EngineError[] {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch {
      return [new EngineError('validation-failed', 'not a valid graphql query', '$.query')];
    }
    const roleSchema = this.schemaFor(role);
    const errors = validate(roleSchema.schema, document);
    if (errors.length > 0) return errors.map((error) => toHasuraValidationError(document, error));
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      return [
        new EngineError(
          'validation-failed',
          operationName
            ? `no such operation found in the document: "${operationName}"`
            : 'exactly one operation has to be present in the document when operationName is not specified',
          '$',
        ),
      ];
    }
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    try {
      checkLimits(operation, fragments, this.limits);
    } catch (error) {
      if (error instanceof EngineError) return [error];
      throw error;
    }
    return { roleSchema, document, operation, fragments, statements: new Map() };
  }

  /** Postgres errors as Hasura reports them; nothing internal reaches the client. */
  private databaseError(error: unknown): EngineError {
    const pg = error as { code?: string; message?: string; graphqlPath?: string };
    const path = pg.graphqlPath ?? '$';
    if (pg.code?.startsWith('22')) return new EngineError('data-exception', pg.message ?? 'data exception', path);
    if (pg.code === '23505')
      return new EngineError('constraint-violation', `Uniqueness violation. ${pg.message}`, path);
    if (pg.code === '23503')
      return new EngineError('constraint-violation', `Foreign key violation. ${pg.message}`, path);
    if (pg.code === '23502') return new EngineError('constraint-violation', `Not-NULL violation. ${pg.message}`, path);
    if (pg.code === '23514')
      return new EngineError('constraint-violation', `Check constraint violation. ${pg.message}`, path);
    if (pg.code === '42501') return new EngineError('permission-error', 'permission denied', path);
    // Only the code and message: the driver's error also carries the statement's parameters,
    // which hold the request's values (personal data, secrets).
    this.log.error({ code: pg.code, message: pg.message }, 'GraphQL statement failed');
    return new EngineError('unexpected', 'database query error', '$');
  }
}

/** The statement's parameter values for `session`: the template with the session's values in place. */
function bindSession(statement: CompiledStatement, session: Record<string, string>): readonly unknown[] {
  if (statement.sessionBindings.length === 0) return statement.values;
  const values = [...statement.values];
  for (const binding of statement.sessionBindings) {
    const bound = binding.values(session);
    for (let i = 0; i < bound.length; i++) values[binding.first + i] = bound[i];
  }
  return values;
}

const readsSession = (action: ActionModel) => action.readsSessionInSql !== false;
