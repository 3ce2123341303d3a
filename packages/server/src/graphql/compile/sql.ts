import type { ScalarType } from '../model.js';

/** Quotes an identifier. Identifiers only ever come from the model, never from a request. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Postgres type for a bound parameter of a GraphQL scalar. */
export const PG_TYPES: Record<ScalarType, string> = {
  uuid: 'uuid',
  String: 'text',
  Int: 'integer',
  Boolean: 'boolean',
  Float: 'float8',
  timestamptz: 'timestamptz',
  jsonb: 'jsonb',
  numeric: 'numeric',
  bigint: 'bigint',
};

/**
 * Parameters whose values come from the session (a permission's "X-Hasura-User-Id"): where they
 * start in the parameter list, and how to compute them for another session. With them, a
 * compiled statement serves every caller of the same role.
 */
export interface SessionBinding {
  first: number;
  values(session: Record<string, string>): unknown[];
}

/** Collects bound parameters while SQL text is generated: every value is a parameter. */
export class Params {
  readonly values: unknown[] = [];
  readonly sessionBindings: SessionBinding[] = [];

  /** Adds a value and returns its placeholder, cast to the column's type. */
  add(value: unknown, type: ScalarType, array = false): string {
    this.values.push(type === 'jsonb' && !array ? JSON.stringify(value) : value);
    return `$${this.values.length}::${PG_TYPES[type]}${array ? '[]' : ''}`;
  }

  addText(value: string): string {
    this.values.push(value);
    return `$${this.values.length}::text`;
  }

  /**
   * Adds the parameters `emit` adds for `value`, computed from the session, and records how to
   * compute them for another session. Returns what `emit` returns (the SQL using them).
   */
  addFromSession<T>(
    session: Record<string, string>,
    value: (session: Record<string, string>) => unknown,
    emit: (value: unknown, params: Params) => T,
  ): T {
    const first = this.values.length;
    const sql = emit(value(session), this);
    this.sessionBindings.push({
      first,
      values: (other) => {
        const params = new Params();
        emit(value(other), params);
        return params.values;
      },
    });
    return sql;
  }
}

/** Fresh table aliases for one statement: t0, t1, ... */
export class Aliases {
  private next = 0;
  fresh(): string {
    return `_t${this.next++}`;
  }
}
