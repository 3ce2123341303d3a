import { column, nhostRootFields, type Model, type TableModel } from '../graphql/model.js';
import { generateDataControllerDID } from './actions.js';

/**
 * The privacy domain as the GraphQL engine sees it: the first slice (data controllers, their
 * members, data subjects, privacy notices), with the `user` role limited to controllers it is a
 * member of and `anonymous` to published notices.
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
    { name: 'privacyNotices', kind: 'array', target: 'privacyNotices', mapping: { id: 'dataControllerId' } },
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

/** The most rows one anonymous request may read: the notices of one controller fit easily. */
const ANONYMOUS_ROW_LIMIT = 100;

const privacyNotices: TableModel = {
  name: 'privacyNotices',
  sql: { schema: 'public', table: 'privacy_notices' },
  columns: [
    column('id', 'uuid'),
    column('data_controller_id', 'uuid'),
    column('title', 'String'),
    column('notice_type', 'String'),
    column('language', 'String'),
    column('content', 'String'),
    column('version', 'Int'),
    column('status', 'String'),
    column('published_at', 'timestamptz', { nullable: true }),
    column('created_at', 'timestamptz'),
    column('updated_at', 'timestamptz'),
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('privacyNotices', 'privacyNotice'),
  relationships: [{ name: 'dataController', kind: 'object', target: 'dataControllers', mapping: { dataControllerId: 'id' } }],
  permissions: {
    user: {
      select: { columns: '*', filter: memberOfController(['dataController']), allowAggregations: true },
      insert: { columns: ['dataControllerId', 'title', 'noticeType', 'language', 'content'], check: memberOfController(['dataController']) },
      update: {
        columns: ['title', 'noticeType', 'language', 'content', 'version', 'status', 'publishedAt'],
        filter: memberOfController(['dataController']),
        check: memberOfController(['dataController']),
      },
      delete: { filter: memberOfController(['dataController']) },
    },
    // Visitors of a Transparency Center: published notices only, never drafts or their status.
    anonymous: {
      select: {
        columns: ['id', 'dataControllerId', 'title', 'noticeType', 'language', 'content', 'version', 'publishedAt'],
        filter: { status: { _eq: 'published' } },
        limit: ANONYMOUS_ROW_LIMIT,
      },
    },
  },
};

export const privacyModel: Model = {
  tables: [dataControllers, dataControllerUsers, dataSubjects, privacyNotices],
  actions: [generateDataControllerDID],
};
