import type { GraphQLField } from 'graphql';
import type { Clock } from '../../clock.js';
import type { Database, Queryable, QueryOptions } from '../../db/database.js';
import type { CollectedField, Fragments } from '../compile/collect-fields.js';
import type { CompiledMutation } from '../compile/mutation.js';
import { EngineError } from '../errors.js';
import type { ActionModel } from '../model.js';
import { prepareAction, runAction } from './action.js';
import { runMutation } from './mutation.js';
import type { PreparedStatements } from './prepared-statements.js';

/** Who is asking, as the executor needs it: the role and the session variables (names lower-cased). */
export interface ExecutionSession {
  role: string;
  variables: Record<string, string>;
}

/** What an action's handler and the projection of its result need from the compiled operation. */
export type FieldContext = Fragments & { session: Record<string, string>; role: string };

/** An action field of the operation: its model, its field in the role's schema, the field selected. */
export interface ActionCall {
  responseKey: string;
  action: ActionModel;
  definition: GraphQLField<unknown, unknown>;
  field: CollectedField;
}

/** One field of a mutation operation, compiled, in the order the operation asks for them. */
export type MutationStep =
  | { kind: 'typename'; responseKey: string }
  | ({ kind: 'action' } & ActionCall)
  | { kind: 'table'; responseKey: string; compiled: CompiledMutation }
  /** A table field that did not compile: its error is raised in its turn, after the fields before it ran. */
  | { kind: 'failed'; responseKey: string; error: unknown };

/** A query operation that is not one plain statement: introspection and actions next to the tables. */
export interface MixedQuery {
  /** Response keys in the operation's order. */
  responseKeys: string[];
  /** What graphql-js answered for the introspection fields, by response key. */
  introspected: Record<string, unknown>;
  /** The one statement of the table fields, if any. */
  select: { sql: string; values: readonly unknown[] } | undefined;
  actions: ActionCall[];
}

/**
 * Runs what compile/ produced: a query statement, a mixed query, a mutation's fields in one
 * transaction. Database errors become Hasura's errors here.
 */
export class Executor {
  constructor(
    private readonly db: Database,
    private readonly prepared: PreparedStatements,
    private readonly log: { error(obj: unknown, msg: string): void },
    /** Published to SQL with the session, as pavise.now(): the time triggers and actions go by. */
    private readonly clock: Clock,
  ) {}

  /** Runs a compiled query statement; returns the JSON text of `data`. */
  async query(
    sql: string,
    values: readonly unknown[],
    options?: QueryOptions,
    db: Queryable = this.db,
  ): Promise<string> {
    try {
      const rows = await db.query<{ data: string }>(sql, values, options);
      return rows[0]!.data;
    } catch (error) {
      throw this.databaseError(error);
    }
  }

  /**
   * Introspection is answered from the role's schema by graphql-js, actions by their handlers
   * (in one transaction with the rest), everything else by one statement. Returns the response's JSON text.
   */
  async mixedQuery(session: ExecutionSession, query: MixedQuery, context: FieldContext): Promise<string> {
    const preparations = await this.prepareActions(query.actions, context);
    const committed = new AfterCommit(this.log);
    const run = async (db: Queryable) => {
      const parts: Record<string, unknown> = query.select
        ? JSON.parse(await this.query(query.select.sql, query.select.values, undefined, db))
        : {};
      for (const call of query.actions)
        parts[call.responseKey] = JSON.parse(
          await runAction(db, call.action, call.definition, call.field, context, {
            prepared: preparations.get(call),
            afterCommit: committed.add,
          }),
        );
      return parts;
    };
    const fromDatabase =
      query.actions.length > 0
        ? await this.transaction(
            session,
            run,
            query.actions.some((call) => readsSession(call.action)),
          )
        : await run(this.db);
    committed.run();
    const data: Record<string, unknown> = {};
    for (const key of query.responseKeys)
      data[key] = key in query.introspected ? query.introspected[key] : fromDatabase[key];
    return JSON.stringify({ data });
  }

  /**
   * All mutation fields of a request, in order, in one transaction; session variables are visible
   * to triggers as current_setting('hasura.user'), as in Hasura, and the clock as pavise.now().
   * Any error rolls back them all. Returns the response's JSON text.
   */
  async mutation(session: ExecutionSession, steps: MutationStep[], context: FieldContext): Promise<string> {
    // Table mutations fire triggers, which may read the session; actions say whether theirs do.
    const publish = steps.some((step) =>
      step.kind === 'action' ? readsSession(step.action) : step.kind !== 'typename',
    );
    const preparations = await this.prepareActions(
      steps.filter((step): step is MutationStep & { kind: 'action' } => step.kind === 'action'),
      context,
    );
    const committed = new AfterCommit(this.log);
    const answer = await this.transaction(
      session,
      async (tx) => {
        const parts: string[] = [];
        for (const step of steps) {
          let value: string;
          if (step.kind === 'typename') value = '"mutation_root"';
          else if (step.kind === 'action')
            value = await runAction(tx, step.action, step.definition, step.field, context, {
              prepared: preparations.get(step),
              afterCommit: committed.add,
            });
          else if (step.kind === 'table') value = await runMutation(tx, step.compiled, this.prepared);
          else throw step.error;
          parts.push(`${JSON.stringify(step.responseKey)}:${value}`);
        }
        return `{"data":{${parts.join(',')}}}`;
      },
      publish,
    );
    committed.run();
    return answer;
  }

  /**
   * The `prepare` steps of the operation's actions (model.ts), in order, before its transaction
   * begins: what each answered, by call.
   */
  private async prepareActions(calls: readonly ActionCall[], context: FieldContext): Promise<Map<ActionCall, unknown>> {
    const preparations = new Map<ActionCall, unknown>();
    for (const call of calls) {
      if (!call.action.prepare) continue;
      try {
        preparations.set(call, await prepareAction(this.db, call.action, call.definition, call.field, context));
      } catch (error) {
        if (error instanceof EngineError) throw error;
        throw this.databaseError(error);
      }
    }
    return preparations;
  }

  /**
   * Runs `work` in a transaction with the session visible to SQL as current_setting('hasura.user'),
   * and the clock as pavise.now() (migration 0010) — unless nothing in it reads them
   * (`publish` false), which saves a round trip.
   */
  private async transaction<T>(
    session: ExecutionSession,
    work: (tx: Queryable) => Promise<T>,
    publish: boolean,
  ): Promise<T> {
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
    // SQLSTATE class PV is the domains' own: a refusal raised by a trigger or function whose
    // message is written for the client (docs/contracts.md §4.7).
    if (pg.code === 'PV403') return new EngineError('permission-error', pg.message ?? 'permission denied', path);
    if (pg.code?.startsWith('PV'))
      return new EngineError('constraint-violation', pg.message ?? 'constraint violation', path);
    if (pg.code === '57014')
      return new EngineError('statement-timeout', "the query ran longer than the server's statement timeout", path);
    // Only the code and message: the driver's error also carries the statement's parameters,
    // which hold the request's values (personal data, secrets).
    this.log.error({ code: pg.code, message: pg.message }, 'GraphQL statement failed');
    return new EngineError('unexpected', 'database query error', '$');
  }
}

const readsSession = (action: ActionModel) => action.readsSessionInSql !== false;

/** The effects actions asked to run once the request's transaction has committed (ActionContext.afterCommit). */
class AfterCommit {
  private readonly effects: (() => void)[] = [];
  constructor(private readonly log: { error(obj: unknown, msg: string): void }) {}

  readonly add = (effect: () => void): void => {
    this.effects.push(effect);
  };

  run(): void {
    for (const effect of this.effects) {
      try {
        effect();
      } catch (error) {
        this.log.error({ err: error }, 'an action effect after commit failed');
      }
    }
  }
}
