import { column, nhostRootFields, type TableModel } from '../../graphql/model.js';
import { ownSubject } from '../permissions.js';
import {
  arrayRelationship,
  createdAt,
  dataControllerId,
  dataSubjectId,
  id,
  members,
  objectRelationship,
  text,
  timestamps,
  toController,
  toSubject,
} from './shared.js';

/**
 * Rights requests, their status history and the controller's rights services. The workflow and
 * the deadline are enforced by triggers (migration 0008): inserts always start at `submitted`
 * with the deadline of the subject's jurisdiction, illegal transitions are refused.
 */

export const dataSubjectsRightsRequests: TableModel = {
  name: 'dataSubjectsRightsRequests',
  sql: { schema: 'public', table: 'data_subject_rights_requests' },
  columns: [
    id,
    dataControllerId,
    dataSubjectId,
    text('request_type'),
    text('status'),
    text('identity_verification'),
    text('jurisdiction'),
    column('due_at', 'timestamptz'),
    text('channel'),
    text('notes', true),
    text('response', true),
    column('completed_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjectsRightsRequests', 'dataSubjectsRightsRequest'),
  relationships: [
    toController,
    toSubject,
    arrayRelationship('events', 'dataSubjectsRightsRequestEvents', 'rightsRequestId'),
  ],
  permissions: {
    // The documented REST body is {dataSubjectId, requestType}: the controller comes from the subject.
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'dataSubjectId', 'requestType', 'jurisdiction', 'channel', 'notes'],
      update: ['status', 'identityVerification', 'notes', 'response'],
    }),
    dataSubject: {
      select: { columns: '*', filter: ownSubject() },
      insert: {
        columns: ['requestType', 'notes'],
        set: { dataSubjectId: 'X-Hasura-Data-Subject-Id', channel: 'form' },
        check: ownSubject(),
      },
    },
  },
};

export const dataSubjectsRightsRequestEvents: TableModel = {
  name: 'dataSubjectsRightsRequestEvents',
  sql: { schema: 'public', table: 'data_subject_rights_request_events' },
  columns: [
    id,
    dataControllerId,
    column('rights_request_id', 'uuid'),
    text('from_status', true),
    text('to_status'),
    text('actor_role', true),
    column('actor_user_id', 'uuid', { nullable: true }),
    createdAt,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjectsRightsRequestEvents', 'dataSubjectsRightsRequestEvent'),
  relationships: [toController, objectRelationship('rightsRequest', 'dataSubjectsRightsRequests', 'rightsRequestId')],
  permissions: {
    user: members('viewPrivacy'),
    dataSubject: {
      select: {
        columns: ['id', 'rightsRequestId', 'fromStatus', 'toStatus', 'createdAt'],
        filter: { rightsRequest: ownSubject() },
      },
    },
  },
};

export const rightsServices: TableModel = {
  name: 'rightsServices',
  sql: { schema: 'public', table: 'rights_services' },
  columns: [id, dataControllerId, text('request_type'), column('enabled', 'Boolean'), ...timestamps],
  primaryKey: ['id'],
  uniqueConstraints: { rights_services_data_controller_id_request_type_key: ['dataControllerId', 'requestType'] },
  rootFields: nhostRootFields('rightsServices', 'rightsService'),
  relationships: [toController],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'requestType', 'enabled'],
      update: ['enabled'],
      delete: true,
    }),
  },
};
