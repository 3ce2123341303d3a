import type { RestEndpoint } from '../graphql/rest-endpoints.js';

/**
 * The RESTified endpoints of reference/dxtra-api.md §1.4 that the current privacy model can
 * serve, under the URLs and operation names the docs print; all accept GET and POST there.
 *
 * Still to add as the privacy domain grows (the model has no table for them yet): answerfaq,
 * getDataControllerFaqs, getdatacontrollerpurposedataitems, getdatacontrollerpurposes,
 * getdatacontrollerpurposetemplatelinks, getdataprocessingactivityfields,
 * getdatasubjectdatamapping, getdatasubjectsrightsrequests, getnotificationmessagesbydatasubject,
 * insertdatasubjectsrightsrequest (POST, body {dataSubjectId, requestType}),
 * and the three the stored copy of the docs cuts off.
 */
export const privacyRestEndpoints: RestEndpoint[] = [
  {
    name: 'getdatacontrollerdetails',
    methods: ['GET', 'POST'],
    // Without an id the comparison is null, which Hasura v2 drops: the caller's controllers
    // (the documented curl sends no variables).
    query: `query GetDataControllerDetails($dataControllerId: uuid) {
  dataControllers(where: {id: {_eq: $dataControllerId}}) {
    id
    title
    did
    email
    createdAt
    updatedAt
  }
}`,
  },
  {
    name: 'getdatacontrollerusers',
    methods: ['GET', 'POST'],
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
    name: 'getdatasubjectscountbycontroller',
    methods: ['GET', 'POST'],
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
    name: 'getprivacynotices',
    methods: ['GET', 'POST'],
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
];
