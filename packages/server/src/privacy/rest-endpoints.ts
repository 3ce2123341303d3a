import type { RestEndpoint } from '../graphql/rest-endpoints.js';

/**
 * The RESTified endpoints of docs/contracts.md §5, under the URLs and operation names the
 * docs print. The docs say every endpoint takes GET and POST; the one mutation takes only POST (a
 * GET that writes would run on a link prefetch). The docs give names, not selections: the fields
 * chosen here are ours. Each runs with the caller's role, so the row filters of the model decide
 * what it sees: a member only its controllers, a data subject only its own records.
 *
 * Each endpoint is declared as one row of ENDPOINTS below; restEndpoint() writes its document.
 *
 * Not here: the three endpoints the stored copy of the docs cuts off.
 */
interface EndpointDeclaration {
  /** The URL segment after /api/rest/. */
  name: string;
  /** The operation's name in the stored document. */
  operation: string;
  /** A query is served by GET and POST, a mutation by POST only. Default query. */
  kind?: 'query' | 'mutation';
  /** The variables: name → GraphQL type, with its default if any (`Int = 100`). */
  parameters: Record<string, string>;
  /** The one root field it runs: a table's root field or an action. */
  field: string;
  /** The field's arguments (name → GraphQL value); by default each parameter under its own name. */
  arguments?: Record<string, string>;
  /** What it answers: the field's selection set, without the outer braces. */
  selection: string;
}

/** The arguments selecting the rows of one controller or one subject, in the given order. */
function rowsOf(owner: 'dataControllerId' | 'dataSubjectId', orderBy?: string): Record<string, string> {
  return { where: `{${owner}: {_eq: $${owner}}}`, ...(orderBy ? { order_by: orderBy } : {}) };
}

/** Oldest first, ties broken by id: the order of every log-like list. */
const OLDEST_FIRST = '[{createdAt: asc}, {id: asc}]';
const NEWEST_FIRST = '[{createdAt: desc}, {id: asc}]';
const CONTROLLER = { dataControllerId: 'uuid!' };
const SUBJECT = { dataSubjectId: 'uuid!' };

/** The stored document of one declaration, with the methods its kind allows. */
function restEndpoint(declaration: EndpointDeclaration): RestEndpoint {
  const { name, operation, kind = 'query', parameters, field, selection } = declaration;
  const args =
    declaration.arguments ??
    Object.fromEntries(Object.keys(parameters).map((parameter) => [parameter, `$${parameter}`]));
  const variables = Object.entries(parameters).map(([parameter, type]) => `$${parameter}: ${type}`);
  const argumentList = Object.entries(args).map(([argument, value]) => `${argument}: ${value}`);
  return {
    name,
    methods: kind === 'mutation' ? ['POST'] : ['GET', 'POST'],
    query: `${kind} ${operation}(${variables.join(', ')}) {
  ${field}${argumentList.length > 0 ? `(${argumentList.join(', ')})` : ''} {
    ${selection.trim()}
  }
}`,
  };
}

const ENDPOINTS: EndpointDeclaration[] = [
  {
    name: 'answerfaq',
    operation: 'AnswerFAQ',
    parameters: { ...CONTROLLER, question: 'String!' },
    field: 'answerFAQ',
    selection: 'status message data { question answer faqId confidence }',
  },
  {
    // The camelCase path is the documented one. Only columns the anonymous role may read, so the
    // public Help Center can call it without a token (published entries); a member sees drafts too.
    name: 'getDataControllerFaqs',
    operation: 'GetDataControllerFAQs',
    parameters: CONTROLLER,
    field: 'dataControllerFaqs',
    arguments: rowsOf('dataControllerId', '[{position: asc}, {question: asc}]'),
    selection: 'id question answer position',
  },
  {
    name: 'getdatacontrollerdetails',
    operation: 'GetDataControllerDetails',
    // Without an id the comparison is null, which Hasura v2 drops: the caller's controllers
    // (the documented curl sends no variables).
    parameters: { dataControllerId: 'uuid' },
    field: 'dataControllers',
    arguments: { where: '{id: {_eq: $dataControllerId}}' },
    selection: `id title did email legalName address timezone description operatingRegions operatingIndustries
      dpoEmail defaultJurisdiction honourGpc requireMfa createdAt updatedAt`,
  },
  {
    name: 'getdatacontrollerpurposedataitems',
    operation: 'GetDataControllerPurposeDataItems',
    parameters: CONTROLLER,
    field: 'purposeDataItems',
    arguments: rowsOf('dataControllerId', OLDEST_FIRST),
    selection: 'id purposeId name category createdAt purpose { id name }',
  },
  {
    name: 'getdatacontrollerpurposes',
    operation: 'GetDataControllerPurposes',
    parameters: CONTROLLER,
    field: 'purposes',
    arguments: rowsOf('dataControllerId', '[{name: asc}, {id: asc}]'),
    selection: `id name category description legalBasis retentionPeriod usagePeriod essential dataCategories recipients
      createdAt updatedAt`,
  },
  {
    name: 'getdatacontrollerpurposetemplatelinks',
    operation: 'GetDataControllerPurposeTemplateLinks',
    parameters: CONTROLLER,
    field: 'purposeTemplateLinks',
    arguments: rowsOf('dataControllerId', OLDEST_FIRST),
    selection: 'id purposeId templateKind templateName createdAt purpose { id name }',
  },
  {
    name: 'getdatacontrollerusers',
    operation: 'GetDataControllerUsers',
    parameters: CONTROLLER,
    field: 'dataControllerUsers',
    arguments: rowsOf('dataControllerId'),
    selection: 'id userId role createdAt',
  },
  {
    // What the log says was processed (field names, never values), newest first, a page at a time.
    name: 'getdataprocessingactivityfields',
    operation: 'GetDataProcessingActivityFields',
    parameters: { ...CONTROLLER, limit: 'Int = 100', offset: 'Int = 0' },
    field: 'dataProcessingActivities',
    arguments: { ...rowsOf('dataControllerId', NEWEST_FIRST), limit: '$limit', offset: '$offset' },
    selection: 'id activityType event dataFields source createdAt',
  },
  {
    // One subject's data map: what identifies it (kinds only), what was processed, by whom and
    // why, and what it consented to. Only columns the dataSubject role may read, so its
    // Transparency Center can show the same map.
    name: 'getdatasubjectdatamapping',
    operation: 'GetDataSubjectDataMapping',
    parameters: SUBJECT,
    field: 'dataSubject',
    arguments: { id: '$dataSubjectId' },
    selection: `
    id did dataControllerId jurisdiction erasedAt createdAt
    identifiers(order_by: [{createdAt: asc}, {kind: asc}]) { kind createdAt }
    processingActivities(order_by: ${OLDEST_FIRST}) {
      id activityType event dataFields source createdAt
      thirdPartyService { id name category country }
      purpose { id name legalBasis }
    }
    consentFormValues(order_by: ${OLDEST_FIRST}) { id consentFormId purposeId value formVersion source updatedAt }`,
  },
  {
    name: 'getdatasubjectscountbycontroller',
    operation: 'GetDataSubjectsCountByController',
    // The docs give only the name and "count of data subjects per controller"; the selection is ours.
    parameters: CONTROLLER,
    field: 'dataSubjectsAggregate',
    arguments: rowsOf('dataControllerId'),
    selection: 'aggregate { count }',
  },
  {
    // A subject's requests with their history; the dataSubject role may call it for itself.
    name: 'getdatasubjectsrightsrequests',
    operation: 'GetDataSubjectsRightsRequests',
    parameters: SUBJECT,
    field: 'dataSubjectsRightsRequests',
    arguments: rowsOf('dataSubjectId', OLDEST_FIRST),
    selection: `id dataSubjectId requestType status identityVerification jurisdiction dueAt channel response completedAt
      createdAt updatedAt events(order_by: ${OLDEST_FIRST}) { fromStatus toStatus createdAt }`,
  },
  {
    name: 'getnotificationmessagesbydatasubject',
    operation: 'GetNotificationMessagesByDataSubject',
    parameters: SUBJECT,
    field: 'notificationMessages',
    arguments: rowsOf('dataSubjectId', NEWEST_FIRST),
    selection: 'id dataSubjectId kind title body readAt createdAt',
  },
  {
    name: 'getprivacynotices',
    operation: 'GetPrivacyNotices',
    // Only columns the anonymous role may read, so a Transparency Center page can call it
    // without a token (published notices); a member sees drafts too.
    parameters: CONTROLLER,
    field: 'privacyNotices',
    arguments: rowsOf('dataControllerId', '[{noticeType: asc}, {language: asc}]'),
    selection: 'id title noticeType language content version publishedAt',
  },
  {
    // The documented body is {"dataSubjectId", "requestType"}: the controller, status,
    // jurisdiction and due date come from the subject (insert trigger of migration 0008).
    name: 'insertdatasubjectsrightsrequest',
    operation: 'InsertDataSubjectsRightsRequest',
    kind: 'mutation',
    parameters: { ...SUBJECT, requestType: 'String!' },
    field: 'insertDataSubjectsRightsRequest',
    arguments: { object: '{dataSubjectId: $dataSubjectId, requestType: $requestType}' },
    selection: 'id dataSubjectId requestType status jurisdiction dueAt createdAt',
  },
];

export const privacyRestEndpoints: RestEndpoint[] = ENDPOINTS.map(restEndpoint);
