import type { ActionContext, ActionModel } from '../../graphql/model.js';
import { type ControllerAccess, controllerAccess, type SubjectAccess, subjectAccess } from '../access.js';
import type { Capability } from '../permissions.js';
import { type EnvelopedAction, envelopedAction } from './result.js';

/** An enveloped action on one record, for members: the record's id is its one argument. */
interface ScopedAction<T, A> extends Omit<EnvelopedAction<T>, 'arguments' | 'roles' | 'handler'> {
  /** What the caller's dashboard role must allow (docs/contracts.md §6.2). */
  may: Capability;
  /** Runs once the caller's access is checked, with what the check read. */
  handler: (access: A, context: ActionContext) => Promise<T>;
}

/**
 * The declaration of such actions for records named by `argument` and checked with `access`: role
 * `user`, argument `(<argument>: uuid!)`, and the check with `may` before the handler (a refusal
 * answers "not found", docs/contracts.md §6.4).
 */
function scopedAction<A>(
  argument: 'dataControllerId' | 'dataSubjectId',
  access: (db: ActionContext['db'], session: ActionContext['session'], id: string, may: Capability) => Promise<A>,
) {
  return <T>({ may, handler, ...action }: ScopedAction<T, A>): ActionModel =>
    envelopedAction<T>({
      ...action,
      arguments: `(${argument}: uuid!)`,
      roles: ['user'],
      async handler(context) {
        const { db, session, input } = context;
        return handler(await access(db, session, input[argument] as string, may), context);
      },
    });
}

/** An action of members on one data controller (controllerAccess). */
export const controllerAction = scopedAction<ControllerAccess>('dataControllerId', controllerAccess);

/** An action of members on one data subject (subjectAccess). */
export const subjectAction = scopedAction<SubjectAccess>('dataSubjectId', subjectAccess);
