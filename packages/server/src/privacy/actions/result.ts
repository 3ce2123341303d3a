import type { ActionModel } from '../../graphql/model.js';

/**
 * The documented result of Dxtra's actions (docs/contracts.md §6.4, marked ✱):
 * `{status: "success", message: <action name or explanation>, data}`. Declared here once: the
 * GraphQL output type of such an action, and the value its handler answers.
 */
export interface ActionResult<T> {
  status: 'success';
  message: string;
  data: T;
}

/**
 * The `types` and `output` of an action answering the envelope. Its data is either the fields of
 * a `<Action>Data` type declared here (`{ fields: 'did: String!' }`) or an existing type
 * (`{ type: 'jsonb' }`); the envelope is `<Action>Output`. `otherTypes` are the action's own
 * inputs and nested types, declared before them.
 */
export function envelopeTypes(
  action: string,
  data: { fields: string } | { type: string },
  otherTypes = '',
): Pick<ActionModel, 'types' | 'output'> {
  const prefix = action[0]!.toUpperCase() + action.slice(1);
  const dataType = 'type' in data ? data.type : `${prefix}Data`;
  const dataDeclaration = 'fields' in data ? `\ntype ${dataType} { ${data.fields} }` : '';
  return {
    types: `${otherTypes}${dataDeclaration}
type ${prefix}Output { status: String! message: String! data: ${dataType} }`,
    output: `${prefix}Output!`,
  };
}

/** A successful result: `message` is the action's name unless the action explains more. */
export function success<T>(message: string, data: T): ActionResult<T> {
  return { status: 'success', message, data };
}
