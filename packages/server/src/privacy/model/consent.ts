import { column, nhostRootFields, type TableModel } from '../../graphql/model.js';
import { ownController, ownSubject } from '../permissions.js';
import {
  arrayRelationship,
  createdAt,
  dataControllerId,
  dataSubjectId,
  id,
  members,
  objectRelationship,
  PUBLIC_ROW_LIMIT,
  text,
  timestamps,
  toController,
  toSubject,
} from './shared.js';

/** Consent forms (versioned, with purposes) and each subject's answers with their full history. */

const PUBLISHED = { status: { _in: ['approved', 'required'] } };

export const consentForms: TableModel = {
  name: 'consentForms',
  sql: { schema: 'public', table: 'consent_forms' },
  columns: [
    id,
    dataControllerId,
    text('name'),
    text('category', true),
    text('description', true),
    text('status'),
    column('version', 'Int'),
    column('published_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('consentForms', 'consentForm'),
  relationships: [
    toController,
    arrayRelationship('purposes', 'consentFormPurposes', 'consentFormId'),
    arrayRelationship('values', 'dataSubjectConsentFormValues', 'consentFormId'),
  ],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'name', 'category', 'description', 'status', 'version', 'publishedAt'],
      update: ['name', 'category', 'description', 'status', 'version', 'publishedAt'],
      delete: true,
    }),
    // A consent banner renders published forms for visitors without an account.
    anonymous: {
      select: {
        columns: ['id', 'dataControllerId', 'name', 'category', 'description', 'version', 'publishedAt'],
        filter: PUBLISHED,
        limit: PUBLIC_ROW_LIMIT,
      },
    },
    dataSubject: {
      select: {
        columns: ['id', 'dataControllerId', 'name', 'category', 'description', 'status', 'version', 'publishedAt'],
        filter: { _and: [PUBLISHED, ownController()] },
        limit: PUBLIC_ROW_LIMIT,
      },
    },
  },
};

export const consentFormPurposes: TableModel = {
  name: 'consentFormPurposes',
  sql: { schema: 'public', table: 'consent_form_purposes' },
  columns: [id, dataControllerId, column('consent_form_id', 'uuid'), column('purpose_id', 'uuid'), createdAt],
  primaryKey: ['id'],
  rootFields: nhostRootFields('consentFormPurposes', 'consentFormPurpose'),
  relationships: [
    toController,
    objectRelationship('consentForm', 'consentForms', 'consentFormId'),
    objectRelationship('purpose', 'purposes', 'purposeId'),
  ],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'consentFormId', 'purposeId'],
      delete: true,
    }),
    anonymous: {
      select: {
        columns: ['id', 'consentFormId', 'purposeId'],
        filter: { consentForm: PUBLISHED },
        limit: PUBLIC_ROW_LIMIT,
      },
    },
    dataSubject: {
      select: {
        columns: ['id', 'consentFormId', 'purposeId'],
        filter: { consentForm: { _and: [PUBLISHED, ownController()] } },
        limit: PUBLIC_ROW_LIMIT,
      },
    },
  },
};

export const dataSubjectConsentFormValues: TableModel = {
  name: 'dataSubjectConsentFormValues',
  sql: { schema: 'public', table: 'data_subject_consent_form_values' },
  columns: [
    id,
    dataControllerId,
    dataSubjectId,
    column('consent_form_id', 'uuid'),
    column('purpose_id', 'uuid', { nullable: true }),
    text('value'),
    column('form_version', 'Int'),
    text('source'),
    ...timestamps,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjectConsentFormValues', 'dataSubjectConsentFormValue'),
  relationships: [
    toController,
    toSubject,
    objectRelationship('consentForm', 'consentForms', 'consentFormId'),
    objectRelationship('purpose', 'purposes', 'purposeId'),
    { name: 'history', kind: 'array', target: 'dataSubjectConsentHistory', mapping: { id: 'consentFormValueId' } },
  ],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'dataSubjectId', 'consentFormId', 'purposeId', 'value', 'source'],
      update: ['value', 'source'],
    }),
    // A subject changes its own choices in its Transparency Center.
    dataSubject: {
      select: { columns: '*', filter: ownSubject() },
      update: { columns: ['value'], filter: ownSubject(), check: ownSubject(), set: { source: 'transparencyCenter' } },
    },
  },
};

export const dataSubjectConsentHistory: TableModel = {
  name: 'dataSubjectConsentHistory',
  sql: { schema: 'public', table: 'data_subject_consent_form_value_history' },
  columns: [
    id,
    dataControllerId,
    column('consent_form_value_id', 'uuid'),
    dataSubjectId,
    column('consent_form_id', 'uuid'),
    column('purpose_id', 'uuid', { nullable: true }),
    text('action'),
    text('old_value', true),
    text('new_value'),
    column('form_version', 'Int'),
    text('source'),
    text('actor_role', true),
    column('actor_user_id', 'uuid', { nullable: true }),
    createdAt,
  ],
  primaryKey: ['id'],
  rootFields: nhostRootFields('dataSubjectConsentHistory', 'dataSubjectConsentHistoryEntry'),
  relationships: [toController, toSubject],
  permissions: {
    user: members('viewPrivacy'),
    dataSubject: {
      select: {
        columns: [
          'id',
          'consentFormValueId',
          'dataSubjectId',
          'consentFormId',
          'purposeId',
          'action',
          'oldValue',
          'newValue',
          'formVersion',
          'source',
          'createdAt',
        ],
        filter: ownSubject(),
      },
    },
  },
};
