import { column } from '../../graphql/model.js';
import { ownController, ownSubject } from '../permissions.js';
import {
  controllerTable,
  createdAt,
  dataSubjectId,
  hasMany,
  members,
  publicRead,
  text,
  timestamps,
  toConsentForm,
  toPurpose,
  toSubject,
  uuid,
} from './shared.js';

/** Consent forms (versioned, with purposes) and each subject's answers with their full history. */

const PUBLISHED = { status: { _in: ['approved', 'required'] } };

export const consentForms = controllerTable({
  name: 'consentForms',
  singular: 'consentForm',
  columns: [
    text('name'),
    text('category', true),
    text('description', true),
    text('status'),
    column('version', 'Int'),
    column('published_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  relationships: hasMany('consentFormId', { purposes: 'consentFormPurposes', values: 'dataSubjectConsentFormValues' }),
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'name', 'category', 'description', 'status', 'version', 'publishedAt'],
      update: ['name', 'category', 'description', 'status', 'version', 'publishedAt'],
      delete: true,
    }),
    // A consent banner renders published forms for visitors without an account.
    anonymous: publicRead(
      ['id', 'dataControllerId', 'name', 'category', 'description', 'version', 'publishedAt'],
      PUBLISHED,
    ),
    dataSubject: publicRead(
      ['id', 'dataControllerId', 'name', 'category', 'description', 'status', 'version', 'publishedAt'],
      { _and: [PUBLISHED, ownController()] },
    ),
  },
});

export const consentFormPurposes = controllerTable({
  name: 'consentFormPurposes',
  singular: 'consentFormPurpose',
  columns: [uuid('consent_form_id'), uuid('purpose_id'), createdAt],
  relationships: [toConsentForm, toPurpose],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'consentFormId', 'purposeId'],
      delete: true,
    }),
    anonymous: publicRead(['id', 'consentFormId', 'purposeId'], { consentForm: PUBLISHED }),
    dataSubject: publicRead(['id', 'consentFormId', 'purposeId'], {
      consentForm: { _and: [PUBLISHED, ownController()] },
    }),
  },
});

export const dataSubjectConsentFormValues = controllerTable({
  name: 'dataSubjectConsentFormValues',
  singular: 'dataSubjectConsentFormValue',
  columns: [
    dataSubjectId,
    uuid('consent_form_id'),
    uuid('purpose_id', true),
    text('value'),
    column('form_version', 'Int'),
    text('source'),
    ...timestamps,
  ],
  relationships: [
    toSubject,
    toConsentForm,
    toPurpose,
    ...hasMany('consentFormValueId', { history: 'dataSubjectConsentHistory' }),
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
});

export const dataSubjectConsentHistory = controllerTable({
  name: 'dataSubjectConsentHistory',
  singular: 'dataSubjectConsentHistoryEntry',
  table: 'data_subject_consent_form_value_history',
  columns: [
    uuid('consent_form_value_id'),
    dataSubjectId,
    uuid('consent_form_id'),
    uuid('purpose_id', true),
    text('action'),
    text('old_value', true),
    text('new_value'),
    column('form_version', 'Int'),
    text('source'),
    text('actor_role', true),
    uuid('actor_user_id', true),
    createdAt,
  ],
  relationships: [toSubject],
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
});
