import { column, nhostRootFields, type Model, type TableModel } from '../graphql/model.js';
import { generateDataControllerDID } from './actions.js';

/**
 * The privacy domain as the GraphQL engine sees it: the first slice (data controllers, their
 * members, data subjects), with the `user` role limited to controllers it is a member of.
 * The privacy-domain issue grows this into the full model.
 */
const memberOfController = (path: string[]) => {
  // { <path...>: { members: { userId: { _eq: "X-Hasura-User-Id" } } } }
  let exp: Record<string, unknown> = { members: { userId: { _eq: 'X-Hasura-User-Id' } } };
  for (const step of [...path].reverse()) exp = { [step]: exp };
  return exp;
};

const dataControllers: TableModel = {
  name: 'dataControllers',
  sql: { schema: 'public', table: 'data_controllers' },
  columns: [
    column('id', 'uuid'),
    column('title', 'String'),
    column('did', 'String', { nullable: true }),
    column('email', 'String', { nullable: true }),
    column('created_at', 'timestamptz'),
    column('updated_at', 'timestamptz'),
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataControllers', 'dataController'),
  relationships: [
    { name: 'members', kind: 'array', target: 'dataControllerUsers', mapping: { id: 'dataControllerId' } },
    { name: 'dataSubjects', kind: 'array', target: 'dataSubjects', mapping: { id: 'dataControllerId' } },
  ],
  permissions: {
    user: {
      select: { columns: '*', filter: memberOfController([]), allowAggregations: true },
      // The inserting user becomes the owner (a trigger, see migration 0004).
      insert: { columns: ['title', 'email'] },
      update: { columns: ['title', 'email'], filter: memberOfController([]) },
    },
  },
};

const dataControllerUsers: TableModel = {
  name: 'dataControllerUsers',
  sql: { schema: 'public', table: 'data_controller_users' },
  columns: [
    column('id', 'uuid'),
    column('data_controller_id', 'uuid'),
    column('user_id', 'uuid'),
    column('role', 'String'),
    column('created_at', 'timestamptz'),
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataControllerUsers', 'dataControllerUser'),
  relationships: [{ name: 'dataController', kind: 'object', target: 'dataControllers', mapping: { dataControllerId: 'id' } }],
  permissions: {
    user: { select: { columns: '*', filter: memberOfController(['dataController']) } },
  },
};

const dataSubjects: TableModel = {
  name: 'dataSubjects',
  sql: { schema: 'public', table: 'data_subjects' },
  columns: [
    column('id', 'uuid'),
    column('data_controller_id', 'uuid'),
    column('did', 'String', { nullable: true }),
    column('created_at', 'timestamptz'),
    column('updated_at', 'timestamptz'),
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjects', 'dataSubject'),
  relationships: [{ name: 'dataController', kind: 'object', target: 'dataControllers', mapping: { dataControllerId: 'id' } }],
  permissions: {
    user: {
      select: { columns: '*', filter: memberOfController(['dataController']), allowAggregations: true },
      insert: { columns: ['dataControllerId', 'did'], check: memberOfController(['dataController']) },
    },
  },
};

export const privacyModel: Model = {
  tables: [dataControllers, dataControllerUsers, dataSubjects],
  actions: [generateDataControllerDID],
};
