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

/** Collects bound parameters while SQL text is generated: every value is a parameter. */
export class Params {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder, cast to the column's type. */
  add(value: unknown, type: ScalarType, array = false): string {
    this.values.push(type === 'jsonb' && !array ? JSON.stringify(value) : value);
    return `$${this.values.length}::${PG_TYPES[type]}${array ? '[]' : ''}`;
  }

  addText(value: string): string {
    this.values.push(value);
    return `$${this.values.length}::text`;
  }
}

/** Fresh table aliases for one statement: t0, t1, ... */
export class Aliases {
  private next = 0;
  fresh(): string {
    return `_t${this.next++}`;
  }
}
