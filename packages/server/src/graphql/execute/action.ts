import {
  type GraphQLField,
  type GraphQLOutputType,
  getArgumentValues,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
} from 'graphql';
import type { Queryable } from '../../db/database.js';
import { type CollectedField, type Fragments, subSelections } from '../compile/collect-fields.js';
import { ActionError, EngineError } from '../errors.js';
import type { ActionModel } from '../model.js';

/** The field's arguments, as the action's handler (and its `prepare`) receive them. */
function actionInput(
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  context: Fragments,
): Record<string, unknown> {
  return getArgumentValues(definition, field.nodes[0]!, context.variables) as Record<string, unknown>;
}

/** An ActionError as the engine reports it, at the action's field. */
async function asEngineErrors<T>(field: CollectedField, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ActionError)
      throw new EngineError(error.code, error.message, `$.selectionSet.${field.responseKey}`);
    throw error;
  }
}

/**
 * Runs an action's `prepare` (model.ts), if it has one, on the database outside any transaction;
 * answers what the handler will receive as `prepared`.
 */
export function prepareAction(
  db: Queryable,
  action: ActionModel,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  context: Fragments & { session: Record<string, string>; role: string },
): Promise<unknown> {
  const { prepare } = action;
  if (!prepare) return Promise.resolve(undefined);
  const input = actionInput(definition, field, context);
  return asEngineErrors(field, () =>
    prepare({ input, session: { role: context.role, variables: context.session }, db }),
  );
}

/**
 * Runs an action's handler inside the request's transaction and shapes its result to the
 * selection: only the fields asked for, under their aliases, in the order asked.
 */
export async function runAction(
  db: Queryable,
  action: ActionModel,
  definition: GraphQLField<unknown, unknown>,
  field: CollectedField,
  context: Fragments & { session: Record<string, string>; role: string },
  effects: { prepared?: unknown; afterCommit: (effect: () => void) => void },
): Promise<string> {
  const input = actionInput(definition, field, context);
  const result = await asEngineErrors(field, () =>
    action.handler({ input, session: { role: context.role, variables: context.session }, db, ...effects }),
  );
  return JSON.stringify(project(result, definition.type, field, context) ?? null);
}

function project(value: unknown, type: GraphQLOutputType, field: CollectedField, context: Fragments): unknown {
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable))
    return (value as unknown[]).map((item) => project(item, nullable.ofType as GraphQLOutputType, field, context));
  if (!isObjectType(nullable)) return value;
  const fields = nullable.getFields();
  const out: Record<string, unknown> = {};
  for (const selection of subSelections(field, context)) {
    if (selection.name === '__typename') out[selection.responseKey] = getNamedType(type).name;
    else
      out[selection.responseKey] = project(
        (value as Record<string, unknown>)[selection.name],
        fields[selection.name]!.type,
        selection,
        context,
      );
  }
  return out;
}
