import { column, type TableModel } from '../../graphql/model.js';
import { ownController, ownSubject } from '../permissions.js';
import {
  controllerTable,
  createdAt,
  hasMany,
  json,
  members,
  objectRelationship,
  publicRead,
  text,
  timestamps,
  toPurpose,
  toSubject,
  uuid,
} from './shared.js';

/** Purposes (with their data items and template links), processors and the processing log. */

const PURPOSE_FIELDS = [
  'name',
  'category',
  'description',
  'legalBasis',
  'retentionPeriod',
  'usagePeriod',
  'essential',
  'dataCategories',
  'recipients',
];
const PUBLIC_PURPOSE_COLUMNS = ['id', 'dataControllerId', 'name', 'category', 'description', 'legalBasis', 'essential'];

export const purposes = controllerTable({
  name: 'purposes',
  singular: 'purpose',
  columns: [
    text('name'),
    text('category', true),
    text('description', true),
    text('legal_basis'),
    text('retention_period', true),
    text('usage_period', true),
    column('essential', 'Boolean'),
    json('data_categories'),
    json('recipients'),
    ...timestamps,
  ],
  relationships: hasMany('purposeId', {
    dataItems: 'purposeDataItems',
    templateLinks: 'purposeTemplateLinks',
    consentForms: 'consentFormPurposes',
  }),
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', ...PURPOSE_FIELDS],
      update: PURPOSE_FIELDS,
      delete: true,
    }),
    // What a published consent form asks for is public.
    anonymous: publicRead(PUBLIC_PURPOSE_COLUMNS, {
      consentForms: { consentForm: { status: { _in: ['approved', 'required'] } } },
    }),
    dataSubject: publicRead(
      [...PUBLIC_PURPOSE_COLUMNS, 'retentionPeriod', 'dataCategories', 'recipients'],
      ownController(),
    ),
  },
});

const purposeChild = (name: string, singular: string, fields: string[], columns: TableModel['columns']): TableModel =>
  controllerTable({
    name,
    singular,
    columns: [uuid('purpose_id'), ...columns, createdAt],
    relationships: [toPurpose],
    permissions: {
      user: members('viewPrivacy', {
        may: 'managePrivacy',
        insert: ['dataControllerId', 'purposeId', ...fields],
        update: fields,
        delete: true,
      }),
    },
  });

export const purposeDataItems = purposeChild(
  'purposeDataItems',
  'purposeDataItem',
  ['name', 'category'],
  [text('name'), text('category', true)],
);
export const purposeTemplateLinks = purposeChild(
  'purposeTemplateLinks',
  'purposeTemplateLink',
  ['templateKind', 'templateName'],
  [text('template_kind'), text('template_name')],
);

const PROCESSOR_FIELDS = [
  'name',
  'category',
  'website',
  'country',
  'transferMechanism',
  'dpaSigned',
  'status',
  'retentionPeriod',
  'usagePeriod',
];

export const thirdPartyServices = controllerTable({
  name: 'thirdPartyServices',
  singular: 'thirdPartyService',
  columns: [
    text('name'),
    text('category', true),
    text('website', true),
    text('country', true),
    text('transfer_mechanism', true),
    column('dpa_signed', 'Boolean'),
    text('status'),
    text('retention_period', true),
    text('usage_period', true),
    ...timestamps,
  ],
  relationships: hasMany('thirdPartyServiceId', { processingActivities: 'dataProcessingActivities' }),
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', ...PROCESSOR_FIELDS],
      update: PROCESSOR_FIELDS,
      delete: true,
    }),
    // A subject's data map names who processes its data.
    dataSubject: publicRead(['id', 'dataControllerId', 'name', 'category', 'website', 'country'], ownController()),
  },
});

export const dataProcessingActivities = controllerTable({
  name: 'dataProcessingActivities',
  singular: 'dataProcessingActivity',
  columns: [
    uuid('data_subject_id', true),
    uuid('third_party_service_id', true),
    uuid('purpose_id', true),
    text('activity_type'),
    text('event', true),
    json('data_fields'),
    text('source'),
    createdAt,
  ],
  relationships: [
    toSubject,
    objectRelationship('thirdPartyService', 'thirdPartyServices', 'thirdPartyServiceId'),
    toPurpose,
  ],
  permissions: {
    // Append-only: entries are recorded, never edited.
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: [
        'dataControllerId',
        'dataSubjectId',
        'thirdPartyServiceId',
        'purposeId',
        'activityType',
        'event',
        'dataFields',
        'source',
      ],
    }),
    dataSubject: { select: { columns: '*', filter: ownSubject() } },
  },
});
