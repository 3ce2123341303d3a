import { column, nhostRootFields, type TableModel } from '../../graphql/model.js';
import { ownSubject } from '../permissions.js';
import {
  arrayRelationship,
  createdAt,
  dataControllerId,
  dataSubjectId,
  id,
  members,
  text,
  timestamps,
  toController,
  toSubject,
} from './shared.js';

/**
 * Data subjects and what hangs off them directly. A subject row is pseudonymous: its personal
 * data is sealed in the privacy schema (not part of the GraphQL model at all), its identifiers
 * are keyed hashes of which only the kind is exposed.
 */

export const dataSubjects: TableModel = {
  name: 'dataSubjects',
  sql: { schema: 'public', table: 'data_subjects' },
  columns: [
    id,
    dataControllerId,
    text('did', true),
    text('jurisdiction'),
    column('erased_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjects', 'dataSubject'),
  relationships: [
    toController,
    arrayRelationship('identifiers', 'dataSubjectIdentifiers', 'dataSubjectId'),
    arrayRelationship('consentFormValues', 'dataSubjectConsentFormValues', 'dataSubjectId'),
    arrayRelationship('preferenceValues', 'dataSubjectPreferenceValues', 'dataSubjectId'),
    arrayRelationship('rightsRequests', 'dataSubjectsRightsRequests', 'dataSubjectId'),
    arrayRelationship('processingActivities', 'dataProcessingActivities', 'dataSubjectId'),
    arrayRelationship('notificationMessages', 'notificationMessages', 'dataSubjectId'),
  ],
  permissions: {
    // Registering with personal data goes through createDataSubject; this inserts a bare,
    // pseudonymous subject (its DID comes from generateDataSubjectDID).
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'jurisdiction'],
      update: ['jurisdiction'],
      delete: true,
    }),
    dataSubject: { select: { columns: '*', filter: ownSubject([]) } },
  },
};

export const dataSubjectIdentifiers: TableModel = {
  name: 'dataSubjectIdentifiers',
  sql: { schema: 'public', table: 'data_subject_identifiers' },
  // The hash column is deliberately not in the model: no role can read it.
  columns: [id, dataControllerId, dataSubjectId, text('kind'), createdAt],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjectIdentifiers', 'dataSubjectIdentifier'),
  relationships: [toController, toSubject],
  permissions: {
    user: members('viewPrivacy'),
    dataSubject: { select: { columns: '*', filter: ownSubject() } },
  },
};

export const notificationMessages: TableModel = {
  name: 'notificationMessages',
  sql: { schema: 'public', table: 'notification_messages' },
  columns: [
    id,
    dataControllerId,
    dataSubjectId,
    text('kind'),
    text('title'),
    text('body'),
    column('read_at', 'timestamptz', { nullable: true }),
    createdAt,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('notificationMessages', 'notificationMessage'),
  relationships: [toController, toSubject],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'dataSubjectId', 'kind', 'title', 'body'],
      delete: true,
    }),
    dataSubject: {
      select: { columns: '*', filter: ownSubject() },
      update: { columns: ['readAt'], filter: ownSubject(), check: ownSubject() },
    },
  },
};

export const dataSubjectPreferenceValues: TableModel = {
  name: 'dataSubjectPreferenceValues',
  sql: { schema: 'public', table: 'data_subject_preference_values' },
  columns: [id, dataControllerId, dataSubjectId, text('preference'), text('value'), ...timestamps],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjectPreferenceValues', 'dataSubjectPreferenceValue'),
  relationships: [toController, toSubject],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'dataSubjectId', 'preference', 'value'],
      update: ['value'],
      delete: true,
    }),
    dataSubject: {
      select: { columns: '*', filter: ownSubject() },
      update: { columns: ['value'], filter: ownSubject(), check: ownSubject() },
    },
  },
};
