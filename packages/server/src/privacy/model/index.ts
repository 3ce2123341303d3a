import type { Model } from '../../graphql/model.js';
import { dataControllerComplianceScore, reportDataControllersComplianceIssues } from '../actions/compliance.js';
import { captureConsent } from '../actions/consent.js';
import { createDataSubject } from '../actions/create-data-subject.js';
import { generateDataControllerDID, generateDataSubjectDID } from '../actions/dids.js';
import { answerFAQ } from '../actions/faq.js';
import { dataControllerAccess } from '../actions/my-access.js';
import { reportDataSubjectsRightsRequests, submitDataSubjectsRightsRequest } from '../actions/rights-requests.js';
import { eraseDataSubject, exportDataSubjectData } from '../actions/subject-data.js';
import {
  inviteDataControllerUser,
  resendDataControllerInvitation,
  revokeDataControllerInvitation,
} from '../actions/team.js';
import { verifyDataControllerOrigin } from '../actions/verify-origin.js';
import type { PrivacyServices } from '../services.js';
import {
  consentFormPurposes,
  consentForms,
  dataSubjectConsentFormValues,
  dataSubjectConsentHistory,
} from './consent.js';
import {
  auditEvents,
  complianceIssues,
  dataControllerInvitations,
  dataControllers,
  dataControllerUsers,
  users,
} from './organisation.js';
import { dataControllerOrigins } from './origins.js';
import {
  dataProcessingActivities,
  purposeDataItems,
  purposes,
  purposeTemplateLinks,
  thirdPartyServices,
} from './processing.js';
import { dataControllerFaqs, privacyNotices } from './published.js';
import { dataSubjectsRightsRequestEvents, dataSubjectsRightsRequests, rightsServices } from './rights.js';
import { dataSubjectIdentifiers, dataSubjectPreferenceValues, dataSubjects, notificationMessages } from './subjects.js';

/**
 * The privacy domain as the GraphQL engine sees it (docs/contracts.md §6): every table with its
 * per-role permissions, and the actions. Roles: `user` (a member of a controller, narrowed by
 * its dashboard role, see permissions.ts), `me` (its own profile), `dataSubject` (its own
 * records), `anonymous` (published things and write-only submissions), `admin` (everything).
 */
export function createPrivacyModel(services: PrivacyServices): Model {
  return {
    tables: [
      dataControllers,
      dataControllerUsers,
      dataControllerInvitations,
      dataControllerOrigins,
      users,
      auditEvents,
      dataControllerFaqs,
      complianceIssues,
      dataSubjects,
      dataSubjectIdentifiers,
      notificationMessages,
      dataSubjectPreferenceValues,
      purposes,
      purposeDataItems,
      purposeTemplateLinks,
      thirdPartyServices,
      dataProcessingActivities,
      consentForms,
      consentFormPurposes,
      dataSubjectConsentFormValues,
      dataSubjectConsentHistory,
      dataSubjectsRightsRequests,
      dataSubjectsRightsRequestEvents,
      rightsServices,
      privacyNotices,
    ],
    actions: [
      createDataSubject(services),
      generateDataControllerDID,
      generateDataSubjectDID,
      exportDataSubjectData(services),
      eraseDataSubject,
      submitDataSubjectsRightsRequest(services),
      reportDataSubjectsRightsRequests,
      dataControllerComplianceScore,
      reportDataControllersComplianceIssues,
      captureConsent(services),
      answerFAQ,
      verifyDataControllerOrigin(services),
      inviteDataControllerUser(services),
      resendDataControllerInvitation(services),
      revokeDataControllerInvitation(services),
      dataControllerAccess,
    ],
  };
}
