import type { RestEndpoint } from '../graphql/rest-endpoints.js';

/**
 * The RESTified endpoints of docs/contracts.md §5, under the URLs and operation names the
 * docs print. The docs say every endpoint takes GET and POST; the one mutation takes only POST (a
 * GET that writes would run on a link prefetch). The docs give names, not selections: the fields
 * chosen here are ours. Each runs with the caller's role, so the row filters of the model decide
 * what it sees: a member only its controllers, a data subject only its own records.
 *
 * Not here: the three endpoints the stored copy of the docs cuts off.
 */

const QUERY_METHODS: RestEndpoint['methods'] = ['GET', 'POST'];

export const privacyRestEndpoints: RestEndpoint[] = [
  {
    name: 'answerfaq',
    methods: QUERY_METHODS,
    query: `query AnswerFAQ($dataControllerId: uuid!, $question: String!) {
  answerFAQ(dataControllerId: $dataControllerId, question: $question) {
    status
    message
    data {
      question
      answer
      faqId
      confidence
    }
  }
}`,
  },
  {
    // The camelCase path is the documented one. Only columns the anonymous role may read, so the
    // public Help Center can call it without a token (published entries); a member sees drafts too.
    name: 'getDataControllerFaqs',
    methods: QUERY_METHODS,
    query: `query GetDataControllerFAQs($dataControllerId: uuid!) {
  dataControllerFaqs(where: {dataControllerId: {_eq: $dataControllerId}}, order_by: [{position: asc}, {question: asc}]) {
    id
    question
    answer
    position
  }
}`,
  },
  {
    name: 'getdatacontrollerdetails',
    methods: QUERY_METHODS,
    // Without an id the comparison is null, which Hasura v2 drops: the caller's controllers
    // (the documented curl sends no variables).
    query: `query GetDataControllerDetails($dataControllerId: uuid) {
  dataControllers(where: {id: {_eq: $dataControllerId}}) {
    id
    title
    did
    email
    legalName
    address
    timezone
    description
    operatingRegions
    operatingIndustries
    dpoEmail
    defaultJurisdiction
    honourGpc
    createdAt
    updatedAt
  }
}`,
  },
  {
    name: 'getdatacontrollerpurposedataitems',
    methods: QUERY_METHODS,
    query: `query GetDataControllerPurposeDataItems($dataControllerId: uuid!) {
  purposeDataItems(where: {dataControllerId: {_eq: $dataControllerId}}, order_by: [{createdAt: asc}, {id: asc}]) {
    id
    purposeId
    name
    category
    createdAt
    purpose {
      id
      name
    }
  }
}`,
  },
  {
    name: 'getdatacontrollerpurposes',
    methods: QUERY_METHODS,
    query: `query GetDataControllerPurposes($dataControllerId: uuid!) {
  purposes(where: {dataControllerId: {_eq: $dataControllerId}}, order_by: [{name: asc}, {id: asc}]) {
    id
    name
    category
    description
    legalBasis
    retentionPeriod
    usagePeriod
    essential
    dataCategories
    recipients
    createdAt
    updatedAt
  }
}`,
  },
  {
    name: 'getdatacontrollerpurposetemplatelinks',
    methods: QUERY_METHODS,
    query: `query GetDataControllerPurposeTemplateLinks($dataControllerId: uuid!) {
  purposeTemplateLinks(where: {dataControllerId: {_eq: $dataControllerId}}, order_by: [{createdAt: asc}, {id: asc}]) {
    id
    purposeId
    templateKind
    templateName
    createdAt
    purpose {
      id
      name
    }
  }
}`,
  },
  {
    name: 'getdatacontrollerusers',
    methods: QUERY_METHODS,
    query: `query GetDataControllerUsers($dataControllerId: uuid!) {
  dataControllerUsers(where: {dataControllerId: {_eq: $dataControllerId}}) {
    id
    userId
    role
    createdAt
  }
}`,
  },
  {
    // What the log says was processed (field names, never values), newest first, a page at a time.
    name: 'getdataprocessingactivityfields',
    methods: QUERY_METHODS,
    query: `query GetDataProcessingActivityFields($dataControllerId: uuid!, $limit: Int = 100, $offset: Int = 0) {
  dataProcessingActivities(where: {dataControllerId: {_eq: $dataControllerId}}, order_by: [{createdAt: desc}, {id: asc}], limit: $limit, offset: $offset) {
    id
    activityType
    event
    dataFields
    source
    createdAt
  }
}`,
  },
  {
    // One subject's data map: what identifies it (kinds only), what was processed, by whom and
    // why, and what it consented to. Only columns the dataSubject role may read, so its
    // Transparency Center can show the same map.
    name: 'getdatasubjectdatamapping',
    methods: QUERY_METHODS,
    query: `query GetDataSubjectDataMapping($dataSubjectId: uuid!) {
  dataSubject(id: $dataSubjectId) {
    id
    did
    dataControllerId
    jurisdiction
    erasedAt
    createdAt
    identifiers(order_by: [{createdAt: asc}, {kind: asc}]) {
      kind
      createdAt
    }
    processingActivities(order_by: [{createdAt: asc}, {id: asc}]) {
      id
      activityType
      event
      dataFields
      source
      createdAt
      thirdPartyService {
        id
        name
        category
        country
      }
      purpose {
        id
        name
        legalBasis
      }
    }
    consentFormValues(order_by: [{createdAt: asc}, {id: asc}]) {
      id
      consentFormId
      purposeId
      value
      formVersion
      source
      updatedAt
    }
  }
}`,
  },
  {
    name: 'getdatasubjectscountbycontroller',
    methods: QUERY_METHODS,
    // The docs give only the name and "count of data subjects per controller"; the selection is ours.
    query: `query GetDataSubjectsCountByController($dataControllerId: uuid!) {
  dataSubjectsAggregate(where: {dataControllerId: {_eq: $dataControllerId}}) {
    aggregate {
      count
    }
  }
}`,
  },
  {
    // A subject's requests with their history; the dataSubject role may call it for itself.
    name: 'getdatasubjectsrightsrequests',
    methods: QUERY_METHODS,
    query: `query GetDataSubjectsRightsRequests($dataSubjectId: uuid!) {
  dataSubjectsRightsRequests(where: {dataSubjectId: {_eq: $dataSubjectId}}, order_by: [{createdAt: asc}, {id: asc}]) {
    id
    dataSubjectId
    requestType
    status
    identityVerification
    jurisdiction
    dueAt
    channel
    response
    completedAt
    createdAt
    updatedAt
    events(order_by: [{createdAt: asc}, {id: asc}]) {
      fromStatus
      toStatus
      createdAt
    }
  }
}`,
  },
  {
    name: 'getnotificationmessagesbydatasubject',
    methods: QUERY_METHODS,
    query: `query GetNotificationMessagesByDataSubject($dataSubjectId: uuid!) {
  notificationMessages(where: {dataSubjectId: {_eq: $dataSubjectId}}, order_by: [{createdAt: desc}, {id: asc}]) {
    id
    dataSubjectId
    kind
    title
    body
    readAt
    createdAt
  }
}`,
  },
  {
    name: 'getprivacynotices',
    methods: QUERY_METHODS,
    // Only columns the anonymous role may read, so a Transparency Center page can call it
    // without a token (published notices); a member sees drafts too.
    query: `query GetPrivacyNotices($dataControllerId: uuid!) {
  privacyNotices(where: {dataControllerId: {_eq: $dataControllerId}}, order_by: [{noticeType: asc}, {language: asc}]) {
    id
    title
    noticeType
    language
    content
    version
    publishedAt
  }
}`,
  },
  {
    // The documented body is {"dataSubjectId", "requestType"}: the controller, status,
    // jurisdiction and due date come from the subject (insert trigger of migration 0008).
    name: 'insertdatasubjectsrightsrequest',
    methods: ['POST'],
    query: `mutation InsertDataSubjectsRightsRequest($dataSubjectId: uuid!, $requestType: String!) {
  insertDataSubjectsRightsRequest(object: {dataSubjectId: $dataSubjectId, requestType: $requestType}) {
    id
    dataSubjectId
    requestType
    status
    jurisdiction
    dueAt
    createdAt
  }
}`,
  },
];
