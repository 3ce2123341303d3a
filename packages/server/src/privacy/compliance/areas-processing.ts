import { type AreaAssessment, assess, type Check, check, count, countHas, every, none, them } from './checks.js';
import { CORE_RIGHTS, type ComplianceFacts } from './facts.js';

/** The areas about the processing itself: purposes, rights, consent, subjects, processors. */

/**
 * Every purpose based on consent is on an approved or required consent form: a check of Lawful
 * Basis and of Consent Management alike, each with its own advice for when there is no purpose.
 */
function consentPurposesOnForms(f: ComplianceFacts, empty: string): Check {
  return every(f.consentPurposesOnForm, f.consentPurposes, {
    met: `Every purpose based on consent (${f.consentPurposes}) is on an approved or required consent form.`,
    empty,
    partial: (missing) =>
      `${count(missing, 'purpose based on consent is', 'purposes based on consent are')} on no approved or required consent form: add ${them(missing)} to one.`,
  });
}

export function lawfulBasis(f: ComplianceFacts): AreaAssessment {
  return assess([
    check(
      f.purposes > 0,
      `${count(f.purposes, 'processing purpose is', 'processing purposes are')} recorded.`,
      'Record the purposes you process personal data for, each with its legal basis.',
    ),
    every(f.purposesDescribed, f.purposes, {
      met: 'Every purpose has a legal basis and a description.',
      empty: 'Describe each purpose and its legal basis once recorded: there is no purpose yet.',
      partial: (missing) => `${countHas(missing, 'purpose')} no description: say what each purpose uses the data for.`,
    }),
    // Purposes on other legal bases need no consent form: met, once there are purposes to judge by.
    f.purposes > 0 && f.consentPurposes === 0
      ? check(true, 'No purpose relies on consent, so none needs a consent form.', '')
      : consentPurposesOnForms(
          f,
          'Record your purposes so their legal bases can be checked against your consent forms.',
        ),
  ]);
}

const RIGHT_NAMES: Record<(typeof CORE_RIGHTS)[number], string> = {
  access: 'right of access',
  rectify: 'right to rectification',
  erasure: 'right to erasure',
  export: 'right to data portability',
  object: 'right to object',
};

export function rightsManagement(f: ComplianceFacts): AreaAssessment {
  const services: Check[] = CORE_RIGHTS.map((right) =>
    check(
      f.enabledRights.includes(right),
      `The ${RIGHT_NAMES[right]} service is enabled.`,
      `Enable the ${RIGHT_NAMES[right]} service (${right}) in rights management.`,
    ),
  );
  return assess([
    ...services,
    none(
      f.overdueRequests,
      'No open rights request is past its deadline.',
      `${count(f.overdueRequests, 'open rights request is', 'open rights requests are')} past the regulatory deadline: answer ${them(f.overdueRequests)} now.`,
    ),
    none(
      f.lateClosedRequests,
      f.closedRequests === 0
        ? 'No rights request closed in the last 12 months was answered late.'
        : `${f.closedRequests === 1 ? 'The rights request' : `All ${f.closedRequests} rights requests`} closed in the last 12 months ${f.closedRequests === 1 ? 'was' : 'were'} answered within the deadline.`,
      `${f.lateClosedRequests} of ${count(f.closedRequests, 'rights request')} closed in the last 12 months ${f.lateClosedRequests === 1 ? 'was' : 'were'} answered after the deadline: answer within 30 days (GDPR) or 45 days (CCPA).`,
    ),
  ]);
}

export function consentManagement(f: ComplianceFacts): AreaAssessment {
  return assess([
    check(
      f.activeForms > 0,
      `${count(f.activeForms, 'consent form is', 'consent forms are')} approved or required.`,
      'Approve a consent form (status approved or required) so consent can be collected.',
    ),
    every(f.activeFormsWithPurposes, f.activeForms, {
      met: 'Every approved or required consent form names the purposes it asks consent for.',
      empty: 'Add the purposes it asks consent for to an approved consent form.',
      partial: (missing) =>
        `${count(missing, 'approved or required consent form names', 'approved or required consent forms name')} no purpose: add the purposes they ask consent for.`,
    }),
    consentPurposesOnForms(
      f,
      'Record the purposes that rely on consent (legal basis consent) and put them on an approved consent form.',
    ),
    check(
      f.consentRecorded,
      "Data subjects' consent choices are being recorded.",
      'No consent choice has been recorded yet: collect consent through your consent forms (banner, Transparency Center or API).',
    ),
    check(
      f.honourGpc,
      'Global Privacy Control signals are honoured.',
      "Turn on 'Detect Global Privacy Control' (honourGpc) so a GPC signal withdraws consent to sale and sharing.",
    ),
  ]);
}

export function dataProtection(f: ComplianceFacts): AreaAssessment {
  return assess([
    check(
      f.protectedSubjects > 0,
      `${count(f.protectedSubjects, 'data subject is', 'data subjects are')} registered through createDataSubject: identifiers stored only as keyed hashes, data encrypted.`,
      'Register data subjects through createDataSubject (or a webhook) so their identifiers are stored only as keyed hashes and their data encrypted.',
    ),
    every(f.protectedSubjects, f.activeSubjects, {
      met: 'Every data subject has hashed identifiers and its own encryption key.',
      empty: 'There is no data subject to protect yet: register them through createDataSubject.',
      partial: (missing) =>
        `${count(missing, 'data subject lacks', 'data subjects lack')} hashed identifiers or an encryption key: register ${them(missing)} through createDataSubject.`,
    }),
    every(f.activeSubjects - f.activeSubjectsWithoutDid, f.activeSubjects, {
      met: 'Every data subject has a DID, to be referred to without personal data.',
      empty: 'Register data subjects so each gets a DID, to be referred to without personal data.',
      partial: (missing) => `${countHas(missing, 'data subject')} no DID: generate one (generateDataSubjectDID).`,
    }),
    none(
      f.erasedSubjectsWithData,
      'No erased data subject still holds personal data, a key or identifier hashes.',
      `${count(f.erasedSubjectsWithData, 'erased data subject still holds', 'erased data subjects still hold')} personal data, a key or identifier hashes: erase ${them(f.erasedSubjectsWithData)} again (eraseDataSubject).`,
    ),
    none(
      f.overdueErasures,
      'No erasure request is past its deadline.',
      `${count(f.overdueErasures, 'erasure request is', 'erasure requests are')} past the deadline: complete ${them(f.overdueErasures)} so the data is crypto-shredded.`,
    ),
  ]);
}

export function internationalTransfers(f: ComplianceFacts): AreaAssessment {
  // Processors inside the EEA, the UK and Switzerland need no safeguard: met, once there are processors to judge by.
  const safeguarded: Check =
    f.processors > 0 && f.processorsAbroad === 0
      ? check(true, 'No processor is outside the EEA, the UK or Switzerland, so no transfer safeguard is needed.', '')
      : every(f.processorsAbroadWithMechanism, f.processorsAbroad, {
          met: `Every processor outside the EEA, the UK and Switzerland (${f.processorsAbroad}) has a transfer mechanism.`,
          empty:
            'Record your processors and their countries so transfers outside the EEA, the UK and Switzerland can be assessed.',
          partial: (missing) =>
            `${countHas(missing, 'processor')} no transfer mechanism for data sent outside the EEA, the UK and Switzerland: record the safeguard (SCC, BCR, adequacy decision).`,
        });
  return assess([
    check(
      f.processors > 0,
      `${count(f.processors, 'processor is', 'processors are')} recorded.`,
      'Record the processors (third-party services) that receive personal data.',
    ),
    every(f.processorsWithCountry, f.processors, {
      met: 'Every processor records the country where it processes data.',
      empty: 'Record your processors with the country where each processes data.',
      partial: (missing) => `${countHas(missing, 'processor')} no country: record where each processes data.`,
    }),
    safeguarded,
  ]);
}

export function dataMinimization(f: ComplianceFacts): AreaAssessment {
  // "1 of 3 purposes has", "2 of 3 purposes have": of all the purposes, how many lack a detail.
  const ofPurposes = (missing: number, [one, many] = ['has', 'have']) =>
    `${missing} of ${count(f.purposes, 'purpose')} ${missing === 1 ? one : many}`;
  return assess([
    every(f.purposesWithRetention, f.purposes, {
      met: 'Every purpose has a retention period.',
      empty: 'Record your purposes, each with a retention period.',
      partial: (missing) => `${ofPurposes(missing)} no retention period: set one on each.`,
    }),
    every(f.purposesWithUsage, f.purposes, {
      met: 'Every purpose has a usage period.',
      empty: 'Record your purposes, each with a usage period.',
      partial: (missing) => `${ofPurposes(missing)} no usage period: set one on each.`,
    }),
    every(f.purposesWithCategories, f.purposes, {
      met: 'Every purpose lists its data categories.',
      empty: 'Record your purposes, each with the data categories it uses.',
      partial: (missing) => `${ofPurposes(missing, ['lists', 'list'])} no data categories: list what each uses.`,
    }),
    every(f.purposesWithDataItems, f.purposes, {
      met: 'Every purpose has its data items mapped.',
      empty: 'Record your purposes and map the data items each uses.',
      partial: (missing) => `${ofPurposes(missing)} no data items mapped: map the data items each uses.`,
    }),
  ]);
}

export function thirdPartyManagement(f: ComplianceFacts): AreaAssessment {
  return assess([
    check(
      f.onboardedProcessors > 0,
      `${count(f.onboardedProcessors, 'processor is', 'processors are')} onboarded.`,
      'Onboard the processors you share personal data with.',
    ),
    every(f.processorsWithDpa, f.processors, {
      met: 'Every processor has a signed data processing agreement.',
      empty: 'Onboard your processors, each with a signed data processing agreement.',
      partial: (missing) =>
        `${countHas(missing, 'processor')} no signed data processing agreement: sign one with each.`,
    }),
    every(f.purposesWithRecipients, f.purposes, {
      met: 'Every purpose names the recipients of its data.',
      empty: 'Record your purposes with the recipients their data is disclosed to.',
      partial: (missing) =>
        `${count(missing, 'purpose names', 'purposes name')} no recipients: list who receives the data.`,
    }),
  ]);
}
