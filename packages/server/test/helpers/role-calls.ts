import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from 'graphql';

/**
 * Calls of actions the permission tests do not know by name, written from the fields that
 * introspection gives (role-api.ts): the value of each argument, the variables and arguments.
 */

/** A GraphQL type as written in a variable definition (e.g. `[purposes_insert_input!]!`). */
export function typeName(type: GraphQLInputType | GraphQLOutputType): string {
  return String(type);
}

/**
 * A value for an argument or input field, by name: how the tests call actions they do not know.
 * `named` maps names (dataControllerId, dataSubjectId, email, ...) to values; an unknown required
 * scalar fails loudly, so a new action cannot be skipped silently. With `requiredOnly`, optional
 * fields of input objects are left out.
 */
export function inputValue(
  type: GraphQLInputType,
  name: string,
  named: (name: string) => unknown,
  where: string,
  requiredOnly = false,
): unknown {
  const required = isNonNullType(type);
  const inner = getNullableType(type) as GraphQLInputType;
  if (isListType(inner)) return [inputValue(inner.ofType as GraphQLInputType, name, named, where, requiredOnly)];
  if (isInputObjectType(inner)) {
    const object: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      if (requiredOnly && !isNonNullType(field.type)) continue;
      const value = inputValue(field.type, field.name, named, `${where}.${field.name}`, requiredOnly);
      if (value !== undefined) object[field.name] = value;
    }
    return object;
  }
  const value = named(name);
  if (value !== undefined) return value;
  if (isEnumType(inner)) return inner.getValues()[0]!.value;
  if (!required) return undefined;
  const fallback: Record<string, unknown> = { String: 'probe', Boolean: false, Int: 1, Float: 0.5, jsonb: {} };
  if (inner.name in fallback) return fallback[inner.name];
  throw new Error(`no value for the required ${inner.name} ${where}: teach the permission tests what to pass`);
}

/** The variable definitions and arguments of a call to `field` with `values` for its arguments. */
export function callOf(
  field: GraphQLField<unknown, unknown>,
  values: Record<string, unknown>,
): { definitions: string; args: string } {
  const given = field.args.filter((a) => values[a.name] !== undefined);
  return {
    definitions: given.length > 0 ? `(${given.map((a) => `$${a.name}: ${typeName(a.type)}`).join(', ')})` : '',
    args: given.length > 0 ? `(${given.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '',
  };
}
