import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { type Clock, systemClock } from '../clock.js';
import type { Database, QueryOptions } from '../db/database.js';
import { type CollectedField, collectFields } from './compile/collect-fields.js';
import { compileMutation } from './compile/mutation.js';
import { compileQuery, type SelectContext } from './compile/select.js';
import { Aliases, Params, type SessionBinding } from './compile/sql.js';
import { EngineError, errorResponse } from './errors.js';
import { type ActionCall, Executor, type MutationStep } from './execute/executor.js';
import { introspect } from './execute/introspection.js';
import { PreparedStatements } from './execute/prepared-statements.js';
import { checkLimits, DEFAULT_LIMITS, type QueryLimits } from './limits.js';
import type { Model } from './model.js';
import { ModelIndex } from './model-index.js';
import { buildRoleSchema, type RoleSchema } from './schema/build-schema.js';
import { toHasuraValidationError, toHasuraVariableError } from './validation-errors.js';

/** Who is asking: the role in force and the session variables (names lower-cased). */
export interface Session {
  role: string;
  variables: Record<string, string>;
}

/** One GraphQL request, as the HTTP layer has checked it (http/graphql-body.ts). */
export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string;
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
 * The Hasura-compatible engine: a per-role schema built from the model, and the pipeline of each
 * request — parse and validate (plan, cached per role and document) → compile (compile/: SQL and
 * parameters, a query's statement cached per variables) → execute (execute/: the statement, the
 * mutation's transaction, the action handlers).
 */
export class GraphQLEngine {
  private readonly index: ModelIndex;
  private readonly schemas = new Map<string, RoleSchema>();
  private readonly plans = new Map<string, Plan | EngineError[]>();
  private readonly prepared = new PreparedStatements();
  private readonly executor: Executor;

  constructor(
    db: Database,
    model: Model,
    log: { error(obj: unknown, msg: string): void } = console,
    private readonly limits: QueryLimits = DEFAULT_LIMITS,
    /** Published to SQL with the session, as pavise.now(): the time triggers and actions go by. */
    clock: Clock = systemClock,
  ) {
    this.index = new ModelIndex(model);
    this.executor = new Executor(db, this.prepared, log, clock);
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
    const plan = this.plan(session.role, request.query, request.operationName);
    if (Array.isArray(plan)) return JSON.stringify(errorResponse(plan));
    // A query already compiled with these variables needs no coercion or compilation again:
    // only the parameters taken from the session are computed for this caller.
    const variablesKey =
      request.variables === undefined || request.variables === null ? '' : JSON.stringify(request.variables);
    const compiled = plan.statements.get(variablesKey);
    if (compiled)
      return `{"data":${await this.executor.query(compiled.sql, bindSession(compiled, session.variables), compiled.options)}}`;

    const coerced = getVariableValues(
      plan.roleSchema.schema,
      plan.operation.variableDefinitions ?? [],
      request.variables ?? {},
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
    if (plan.operation.operation === 'mutation')
      return this.executor.mutation(session, this.compileMutationSteps(plan, fields, context), context);
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
      return `{"data":${await this.executor.query(sql, statement.values, statement.options)}}`;
    }

    // Introspection, actions and tables side by side: each part by what answers it.
    const introspected = fields.some(isIntrospection)
      ? introspect(plan.roleSchema, plan.operation, plan.fragments, fields.filter(isIntrospection), coerced.coerced)
      : {};
    const queryFields = plan.roleSchema.schema.getQueryType()!.getFields();
    const actions = fields.filter(isAction).map(
      (field): ActionCall => ({
        responseKey: field.responseKey,
        action: plan.roleSchema.actions.get(field.name)!,
        definition: queryFields[field.name]!,
        field,
      }),
    );
    const select =
      selected.length > 0 ? { sql: compileQuery(selected, context), values: context.params.values } : undefined;
    return this.executor.mixedQuery(
      session,
      { responseKeys: fields.map((f) => f.responseKey), introspected, select, actions },
      context,
    );
  }

  /**
   * A mutation's fields, compiled in order. A field that does not compile fails in its turn, so the
   * fields before it run (and fail) first, as when each field is compiled just before it runs.
   */
  private compileMutationSteps(plan: Plan, fields: CollectedField[], context: SelectContext): MutationStep[] {
    const mutationFields = plan.roleSchema.schema.getMutationType()!.getFields();
    return fields.map((field): MutationStep => {
      const { responseKey } = field;
      if (field.name === '__typename') return { kind: 'typename', responseKey };
      const definition = mutationFields[field.name]!;
      const action = plan.roleSchema.actions.get(field.name);
      if (action) return { kind: 'action', responseKey, action, definition, field };
      try {
        const compiled = compileMutation(plan.roleSchema.mutationFields.get(field.name)!, definition, field, context);
        return { kind: 'table', responseKey, compiled };
      } catch (error) {
        return { kind: 'failed', responseKey, error };
      }
    });
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
