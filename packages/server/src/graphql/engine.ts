import {
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  getVariableValues,
  Kind,
  type ObjectFieldNode,
  type OperationDefinitionNode,
  parse,
  validate,
  visit,
} from 'graphql';
import { ByteBudgetLru, digestKey } from '../cache/byte-budget-lru.js';
import { type Clock, systemClock } from '../clock.js';
import type { Database, QueryOptions } from '../db/database.js';
import { unstorableText } from '../input/text.js';
import { type CollectedField, collectFields } from './compile/collect-fields.js';
import { compileMutation } from './compile/mutation.js';
import { compileQuery, type SelectContext } from './compile/select.js';
import { Aliases, Params, type SessionBinding } from './compile/sql.js';
import {
  bindStrings,
  type StatementTemplate,
  templateBytes,
  type VariableShape,
  variableShape,
  verifyTemplate,
} from './compile/statement-template.js';
import { EngineError, errorResponse } from './errors.js';
import { type ActionCall, Executor, type MutationStep } from './execute/executor.js';
import { introspect } from './execute/introspection.js';
import { PreparedStatements } from './execute/prepared-statements.js';
import {
  type CacheBudgets,
  checkDocumentNesting,
  checkLimits,
  DEFAULT_CACHE_BUDGETS,
  DEFAULT_LIMITS,
  type QueryLimits,
} from './limits.js';
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
  /** The plan cache's key: a digest of the role, the operation name and the document. */
  key: string;
  roleSchema: RoleSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  /** The document's length: what the plan's size is estimated from. */
  length: number;
}

/** A query compiled to one statement, without the request's strings; which parameters come from the session. */
interface CompiledStatement {
  template: StatementTemplate;
  sessionBindings: readonly SessionBinding[];
  options: QueryOptions | undefined;
}

/**
 * A parsed document (without locations) holds about 30 bytes per character of its text; the
 * estimate is generous, so the budget is an upper bound on what plans really hold.
 */
const planBytes = (plan: Plan | PlanFailure) => 2_048 + 40 * plan.length;

/** A document that did not plan: its errors, kept so the same bad document is refused cheaply. */
interface PlanFailure {
  errors: EngineError[];
  length: number;
}

/**
 * The Hasura-compatible engine: a per-role schema built from the model, and the pipeline of each
 * request — parse and validate (plan, cached per role and document) → compile (compile/: SQL and
 * parameters, a query's statement cached per shape of its variables) → execute (execute/: the statement, the
 * mutation's transaction, the action handlers).
 */
export class GraphQLEngine {
  private readonly index: ModelIndex;
  private readonly schemas: ByteBudgetLru<RoleSchema>;
  private readonly plans: ByteBudgetLru<Plan | PlanFailure>;
  private readonly statements: ByteBudgetLru<CompiledStatement>;
  private readonly prepared: PreparedStatements;
  private readonly executor: Executor;

  constructor(
    db: Database,
    model: Model,
    log: { error(obj: unknown, msg: string): void } = console,
    private readonly limits: QueryLimits = DEFAULT_LIMITS,
    /** Published to SQL with the session, as pavise.now(): the time triggers and actions go by. */
    clock: Clock = systemClock,
    budgets: CacheBudgets = DEFAULT_CACHE_BUDGETS,
  ) {
    this.index = new ModelIndex(model);
    this.schemas = new ByteBudgetLru(budgets.schemas, schemaBytes);
    this.plans = new ByteBudgetLru(budgets.plans, planBytes);
    this.statements = new ByteBudgetLru(budgets.statements, (s) => templateBytes(s.template));
    // The prepared statements' names share the statements' budget: the texts they name are theirs.
    this.prepared = new PreparedStatements(budgets.statements);
    this.executor = new Executor(db, this.prepared, log, clock);
  }

  schemaFor(role: string): RoleSchema {
    // Role names come from tokens and admin headers; the key is a digest all the same.
    const key = digestKey(role);
    let schema = this.schemas.get(key);
    if (!schema) {
      schema = buildRoleSchema(this.index, role);
      this.schemas.set(key, schema);
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
    if ('errors' in plan) return JSON.stringify(errorResponse(plan.errors));
    const definitions = plan.operation.variableDefinitions ?? [];
    const coerced = getVariableValues(plan.roleSchema.schema, definitions, request.variables ?? {});
    if (coerced.errors) return JSON.stringify(errorResponse(coerced.errors.map(toHasuraVariableError)));

    // A query compiled before with variables of the same shape needs no compilation again: only
    // its strings and the parameters taken from the session are bound for this request.
    const shape =
      plan.operation.operation === 'query'
        ? variableShape(plan.roleSchema.schema, definitions, coerced.coerced)
        : undefined;
    const statementKey = shape && digestKey(plan.key, shape.text);
    const compiled = statementKey && this.statements.get(statementKey);
    if (compiled) {
      const values = bindSession(bindStrings(compiled.template, shape.strings), compiled.sessionBindings, session);
      return `{"data":${await this.executor.query(compiled.template.sql, values, compiled.options)}}`;
    }

    // graphql-js validation lets these through; its executor would refuse them.
    if (plan.operation.operation === 'subscription')
      throw new EngineError('validation-failed', 'no subscriptions exist', '$');
    if (plan.operation.operation === 'mutation' && !plan.roleSchema.schema.getMutationType())
      throw new EngineError('validation-failed', 'no mutations exist', '$');
    const context = this.selectContext(plan, session, coerced.coerced);
    const fields = collectFields(plan.operation.selectionSet, context);
    if (plan.operation.operation === 'mutation')
      return this.executor.mutation(session, this.compileMutationSteps(plan, fields, context), context);
    const isIntrospection = (f: CollectedField) => f.name === '__schema' || f.name === '__type';
    const isAction = (f: CollectedField) => plan.roleSchema.actions.has(f.name);
    const selected = fields.filter((f) => !isIntrospection(f) && !isAction(f));
    if (selected.length === fields.length) {
      const sql = compileQuery(selected, context);
      const options = this.prepared.optionsFor(sql);
      if (shape && statementKey) {
        const template = this.templateFor(plan, session, shape, { sql, values: context.params.values });
        if (template)
          this.statements.set(statementKey, { template, sessionBindings: context.params.sessionBindings, options });
      }
      return `{"data":${await this.executor.query(sql, context.params.values, options)}}`;
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

  private selectContext(plan: Plan, session: Session, variables: Record<string, unknown>): SelectContext {
    return {
      maxRows: this.limits.maxRows,
      maxFilterDepth: this.limits.maxFilterDepth,
      filterTerms: { left: this.limits.maxFilterTerms },
      index: this.index,
      params: new Params(),
      aliases: new Aliases(),
      role: session.role,
      session: session.variables,
      roleSchema: plan.roleSchema,
      fragments: plan.fragments,
      variables,
    };
  }

  /**
   * The query compiled once more, from placeholders in place of the request's strings, and kept
   * as a template if it is the same statement (statement-template.ts). A miss costs a second
   * compilation; every later request of the same shape costs none.
   */
  private templateFor(
    plan: Plan,
    session: Session,
    shape: VariableShape,
    real: { sql: string; values: readonly unknown[] },
  ): StatementTemplate | undefined {
    const context = this.selectContext(plan, session, shape.withPlaceholders);
    try {
      const sql = compileQuery(collectFields(plan.operation.selectionSet, context), context);
      return verifyTemplate({ sql, values: context.params.values }, real, shape.strings);
    } catch {
      return undefined;
    }
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
  private plan(role: string, query: string, operationName: string | undefined): Plan | PlanFailure {
    const key = digestKey(role, operationName ?? '', query);
    const cached = this.plans.get(key);
    if (cached) return cached;
    let plan: Plan | PlanFailure;
    try {
      plan = this.makePlan(key, role, query, operationName);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      plan = { errors: [error], length: query.length };
    }
    this.plans.set(key, plan);
    return plan;
  }

  private makePlan(key: string, role: string, query: string, operationName: string | undefined): Plan | PlanFailure {
    const failure = (...errors: EngineError[]) => ({ errors, length: query.length });
    checkDocumentNesting(query, this.limits.maxDocumentNesting);
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      return failure(new EngineError('validation-failed', 'not a valid graphql query', '$.query'));
    }
    checkStorableStrings(document);
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      return failure(
        new EngineError(
          'validation-failed',
          operationName
            ? `no such operation found in the document: "${operationName}"`
            : 'exactly one operation has to be present in the document when operationName is not specified',
          '$',
        ),
      );
    }
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    // Before validation: some of its rules cost the square of the fields, so a document of
    // thousands of aliases or a fragment bomb is refused on its size first.
    checkLimits(operation, fragments, this.limits);
    const roleSchema = this.schemaFor(role);
    const errors = validate(roleSchema.schema, document);
    if (errors.length > 0) return failure(...errors.map((error) => toHasuraValidationError(document, error)));
    return { key, roleSchema, document, operation, fragments, length: query.length };
  }
}

/** Refuses a string literal the database could not store (a NUL character), naming where it stands. */
function checkStorableStrings(document: DocumentNode): void {
  visit(document, {
    StringValue(node, _key, _parent, _path, ancestors) {
      const problem = unstorableText(node.value);
      if (!problem) return;
      // The argument and input fields it is given for, e.g. where.title._eq.
      const names = ancestors
        .filter(
          (a): a is ArgumentNode | ObjectFieldNode =>
            'kind' in a && (a.kind === Kind.ARGUMENT || a.kind === Kind.OBJECT_FIELD),
        )
        .map((a) => a.name.value);
      const where = names.length > 0 ? ` for ${names.join('.')}` : '';
      throw new EngineError(
        'validation-failed',
        `the string given${where} in the query contains ${problem}`,
        '$.query',
      );
    },
  });
}

/** A role's schema, estimated from its types and their fields. */
function schemaBytes(schema: RoleSchema): number {
  let fields = 0;
  for (const type of Object.values(schema.schema.getTypeMap()))
    if ('getFields' in type) fields += Object.keys(type.getFields()).length;
  return 4_096 + 1_024 * fields;
}

/** `values` (a fresh array) with the parameters taken from the session set to `session`'s values. */
function bindSession(values: unknown[], bindings: readonly SessionBinding[], session: Session): unknown[] {
  for (const binding of bindings) {
    const bound = binding.values(session.variables);
    for (let i = 0; i < bound.length; i++) values[binding.first + i] = bound[i];
  }
  return values;
}
