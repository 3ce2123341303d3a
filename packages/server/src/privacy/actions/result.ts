import type { ActionContext, ActionModel } from '../../graphql/model.js';

/**
 * The documented result of Dxtra's actions (docs/contracts.md §6.4, marked ✱):
 * `{status: "success", message: <action name or explanation>, data}`. Declared here once: the
 * GraphQL output type of such an action, and the value its handler answers. A refusal is an
 * ActionError (a GraphQL error), never a result with another status.
 */
export interface ActionResult<T> {
  status: 'success';
  message: string;
  data: T;
}

/** An action answering the envelope: an ActionModel whose handler answers only the data. */
export interface EnvelopedAction<T> extends Omit<ActionModel, 'types' | 'output' | 'handler'> {
  /** The fields of the `<Action>Data` type declared for it, or the existing type of its data. */
  data: { fields: string } | { type: string };
  /** SDL of its own inputs and nested types, declared before the envelope's. */
  types?: string;
  /** The result's message: the action's name unless it explains more. */
  message?: string | ((data: NoInfer<T>) => string);
  handler: (context: ActionContext) => Promise<T>;
}

/**
 * The ActionModel of an enveloped action: output `<Action>Output { status message data }` (the
 * action's name capitalised), and a handler that puts the envelope around the data.
 */
export function envelopedAction<T>({ data, types = '', message, handler, ...action }: EnvelopedAction<T>): ActionModel {
  const prefix = action.name[0]!.toUpperCase() + action.name.slice(1);
  const dataType = 'type' in data ? data.type : `${prefix}Data`;
  const dataDeclaration = 'fields' in data ? `\ntype ${dataType} { ${data.fields} }` : '';
  return {
    ...action,
    types: `${types}${dataDeclaration}\ntype ${prefix}Output { status: String! message: String! data: ${dataType} }`,
    output: `${prefix}Output!`,
    async handler(context): Promise<ActionResult<T>> {
      const result = await handler(context);
      return {
        status: 'success',
        message: typeof message === 'function' ? message(result) : (message ?? action.name),
        data: result,
      };
    },
  };
}
