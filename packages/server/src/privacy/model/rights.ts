import { column } from '../../graphql/model.js';
import { ownSubject } from '../permissions.js';
import {
  controllerTable,
  createdAt,
  dataSubjectId,
  hasMany,
  members,
  objectRelationship,
  text,
  timestamps,
  toSubject,
  uuid,
} from './shared.js';

/**
 * Rights requests, their status history and the controller's rights services. The workflow and
 * the deadline are enforced by triggers (migration 0008): inserts always start at `submitted`
 * with the deadline of the subject's jurisdiction, illegal transitions are refused.
 */

export const dataSubjectsRightsRequests = controllerTable({
  name: 'dataSubjectsRightsRequests',
  singular: 'dataSubjectsRightsRequest',
  table: 'data_subject_rights_requests',
  columns: [
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
  relationships: [toSubject, ...hasMany('rightsRequestId', { events: 'dataSubjectsRightsRequestEvents' })],
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
});

export const dataSubjectsRightsRequestEvents = controllerTable({
  name: 'dataSubjectsRightsRequestEvents',
  singular: 'dataSubjectsRightsRequestEvent',
  table: 'data_subject_rights_request_events',
  columns: [
    uuid('rights_request_id'),
    text('from_status', true),
    text('to_status'),
    text('actor_role', true),
    uuid('actor_user_id', true),
    createdAt,
  ],
  relationships: [objectRelationship('rightsRequest', 'dataSubjectsRightsRequests', 'rightsRequestId')],
  permissions: {
    user: members('viewPrivacy'),
    dataSubject: {
      select: {
        columns: ['id', 'rightsRequestId', 'fromStatus', 'toStatus', 'createdAt'],
        filter: { rightsRequest: ownSubject() },
      },
    },
  },
});

export const rightsServices = controllerTable({
  name: 'rightsServices',
  singular: 'rightsService',
  columns: [text('request_type'), column('enabled', 'Boolean'), ...timestamps],
  uniqueConstraints: { rights_services_data_controller_id_request_type_key: ['dataControllerId', 'requestType'] },
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'requestType', 'enabled'],
      update: ['enabled'],
      delete: true,
    }),
  },
});
