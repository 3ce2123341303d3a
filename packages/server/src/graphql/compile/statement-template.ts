import {
  type GraphQLInputType,
  type GraphQLSchema,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  typeFromAST,
  type VariableDefinitionNode,
} from 'graphql';

/**
 * A query's compiled statement, kept for every request with the same *shape* of variables — the
 * same structure, numbers, booleans and enum values, whatever the strings — and holding none of
 * the strings themselves: each string a request passes becomes a bound parameter, filled in per
 * request. So a cache of templates grows with the distinct operations, not with the values sent
 * (a 900 KB search string costs the cache nothing), and a query whose id changes on every request
 * compiles once.
 *
 * Numbers, booleans and enum values stay part of the shape, because they may decide the SQL text
 * (`limit: $n` is written into it, `@include(if: $b)` removes a field). Variables holding jsonb
 * are not templated at all: their value is bound as one JSON text that may mix both kinds.
 */

/** Scalars whose string values only ever become bound parameters, never SQL text. */
const BOUND_STRING_SCALARS = new Set(['String', 'uuid', 'timestamptz', 'numeric', 'bigint']);

/**
 * A placeholder for the i-th string: made of characters that any transformation of a string
 * (case, trimming, splitting, escaping, JSON) would change, so a compiler that did more than
 * bind the value would be seen to (verifyTemplate). No real string equals it: NUL is refused in
 * every input (input/text.ts).
 */
const PLACEHOLDER_HEAD = '\u0000Pv.%_ -,';
const PLACEHOLDER_TAIL = ';\u0000';
const placeholder = (i: number) => `${PLACEHOLDER_HEAD}${i}${PLACEHOLDER_TAIL}`;

export interface VariableShape {
  /** The shape as text, to be digested into a cache key: the variables with placeholders. */
  text: string;
  /** The strings taken out, in order. */
  strings: string[];
  /** The coerced variables with each string replaced by its placeholder: what a template compiles from. */
  withPlaceholders: Record<string, unknown>;
}

/** The shape of a request's coerced variables, or undefined when they cannot be templated. */
export function variableShape(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  coerced: Record<string, unknown>,
): VariableShape | undefined {
  const strings: string[] = [];
  let templatable = true;
  const walk = (type: GraphQLInputType, value: unknown): unknown => {
    if (value === null || value === undefined || !templatable) return value;
    if (isNonNullType(type)) return walk(type.ofType, value);
    if (isListType(type)) return Array.isArray(value) ? value.map((item) => walk(type.ofType, item)) : value;
    if (isInputObjectType(type)) {
      const fields = type.getFields();
      const out: Record<string, unknown> = {};
      for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>))
        out[name] = walk(fields[name]!.type, fieldValue);
      return out;
    }
    if (isScalarType(type)) {
      if (type.name === 'jsonb') templatable = false;
      else if (typeof value === 'string' && BOUND_STRING_SCALARS.has(type.name)) {
        strings.push(value);
        return placeholder(strings.length - 1);
      }
    }
    return value;
  };
  const withPlaceholders: Record<string, unknown> = {};
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    if (!(name in coerced)) continue;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) return undefined;
    withPlaceholders[name] = walk(type, coerced[name]);
  }
  if (!templatable) return undefined;
  return { text: JSON.stringify(withPlaceholders), strings, withPlaceholders };
}

/** Where a parameter's value comes from: a fixed value, one of the strings, or a list of them. */
type Slot =
  | { kind: 'fixed'; value: unknown }
  | { kind: 'string'; index: number }
  | { kind: 'strings'; indexes: number[] };

/** A compiled statement without the request's strings. */
export interface StatementTemplate {
  sql: string;
  slots: readonly Slot[];
}

const placeholderIndex = (value: unknown): number | undefined => {
  if (typeof value !== 'string' || !value.startsWith(PLACEHOLDER_HEAD) || !value.endsWith(PLACEHOLDER_TAIL))
    return undefined;
  const digits = value.slice(PLACEHOLDER_HEAD.length, -PLACEHOLDER_TAIL.length);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
};

const mentionsPlaceholder = (value: unknown): boolean =>
  typeof value === 'string'
    ? value.includes('\u0000')
    : value !== null && typeof value === 'object' && JSON.stringify(value).includes('\\u0000');

/**
 * The template, if the statement compiled from the placeholders is the statement compiled from
 * the real strings with only the strings bound differently — the proof, for this request, that
 * its strings are nothing but parameters. Otherwise undefined, and the statement is not kept.
 */
export function verifyTemplate(
  fromPlaceholders: { sql: string; values: readonly unknown[] },
  real: { sql: string; values: readonly unknown[] },
  strings: readonly string[],
): StatementTemplate | undefined {
  if (fromPlaceholders.sql !== real.sql || fromPlaceholders.values.length !== real.values.length) return undefined;
  if (fromPlaceholders.sql.includes('\u0000')) return undefined;
  const slots: Slot[] = [];
  for (const [i, value] of fromPlaceholders.values.entries()) {
    const actual = real.values[i];
    const index = placeholderIndex(value);
    if (index !== undefined) {
      if (strings[index] !== actual) return undefined;
      slots.push({ kind: 'string', index });
      continue;
    }
    if (Array.isArray(value) && value.length > 0 && value.every((item) => placeholderIndex(item) !== undefined)) {
      const indexes = value.map((item) => placeholderIndex(item)!);
      if (!Array.isArray(actual) || actual.length !== indexes.length) return undefined;
      if (indexes.some((at, k) => strings[at] !== actual[k])) return undefined;
      slots.push({ kind: 'strings', indexes });
      continue;
    }
    if (mentionsPlaceholder(value) || !sameValue(value, actual)) return undefined;
    slots.push({ kind: 'fixed', value });
  }
  return { sql: fromPlaceholders.sql, slots };
}

/** The statement's parameter values for a request with these strings. */
export function bindStrings(template: StatementTemplate, strings: readonly string[]): unknown[] {
  return template.slots.map((slot) =>
    slot.kind === 'fixed'
      ? slot.value
      : slot.kind === 'string'
        ? strings[slot.index]
        : slot.indexes.map((index) => strings[index]),
  );
}

/** The bytes a template holds, roughly: its text and its fixed values (numbers, booleans, session values). */
export function templateBytes(template: StatementTemplate): number {
  let bytes = template.sql.length;
  for (const slot of template.slots) bytes += slot.kind === 'strings' ? 16 + 8 * slot.indexes.length : 24;
  return bytes;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  return false;
}
