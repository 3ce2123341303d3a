import { column } from '../../graphql/model.js';
import { ownSubject } from '../permissions.js';
import { controllerTable, createdAt, dataSubjectId, hasMany, members, text, timestamps, toSubject } from './shared.js';

/**
 * Data subjects and what hangs off them directly. A subject row is pseudonymous: its personal
 * data is sealed in the privacy schema (not part of the GraphQL model at all), its identifiers
 * are keyed hashes of which only the kind is exposed.
 */

export const dataSubjects = controllerTable({
  name: 'dataSubjects',
  singular: 'dataSubject',
  columns: [
    text('did', true),
    text('jurisdiction'),
    column('erased_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  relationships: hasMany('dataSubjectId', {
    identifiers: 'dataSubjectIdentifiers',
    consentFormValues: 'dataSubjectConsentFormValues',
    preferenceValues: 'dataSubjectPreferenceValues',
    rightsRequests: 'dataSubjectsRightsRequests',
    processingActivities: 'dataProcessingActivities',
    notificationMessages: 'notificationMessages',
  }),
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
});

export const dataSubjectIdentifiers = controllerTable({
  name: 'dataSubjectIdentifiers',
  singular: 'dataSubjectIdentifier',
  // The hash column is deliberately not in the model: no role can read it. `masked` is the e-mail
  // address the subject proved by signing in ("a***@e***.com"): for the subject's own eyes only.
  columns: [dataSubjectId, text('kind'), text('masked', true), createdAt],
  relationships: [toSubject],
  permissions: {
    user: {
      ...members('viewPrivacy'),
      select: {
        ...members('viewPrivacy').select!,
        columns: ['id', 'dataControllerId', 'dataSubjectId', 'kind', 'createdAt'],
      },
    },
    dataSubject: { select: { columns: '*', filter: ownSubject() } },
  },
});

export const notificationMessages = controllerTable({
  name: 'notificationMessages',
  singular: 'notificationMessage',
  columns: [
    dataSubjectId,
    text('kind'),
    text('title'),
    text('body'),
    column('read_at', 'timestamptz', { nullable: true }),
    createdAt,
  ],
  relationships: [toSubject],
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
});

export const dataSubjectPreferenceValues = controllerTable({
  name: 'dataSubjectPreferenceValues',
  singular: 'dataSubjectPreferenceValue',
  columns: [dataSubjectId, text('preference'), text('value'), ...timestamps],
  relationships: [toSubject],
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
});
