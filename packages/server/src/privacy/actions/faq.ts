import type { Queryable } from '../../db/database.js';
import { ActionError } from '../../graphql/errors.js';
import type { ActionContext, ActionModel } from '../../graphql/model.js';
import { controllerAccess, publicControllerAccess, subjectAccess } from '../access.js';
import { envelopedAction } from './result.js';

/**
 * answerFAQ: the Help Center's "ask a question". It picks the controller's published FAQ whose
 * question shares the most words with the one asked. Deliberately no AI and no randomness: the
 * same question against the same FAQs always gives the same answer, and nothing asked leaves
 * the server. Words are compared after normalisation (lower case, accents dropped, a few English
 * suffixes stripped so "deleting" meets "delete"), with stop words ignored.
 *
 * Who may ask: anyone about an existing controller (published FAQs are public), a member about
 * its own controllers, a data subject about its own controller — the same rows the model lets
 * each role read.
 */
const MAX_QUESTION_LENGTH = 1000;
/** Below this, the best FAQ shares too little with the question to be called an answer. */
const MIN_CONFIDENCE = 0.2;

/** What answerFAQ answers: the best published FAQ, or nulls when none matches well enough. */
interface Answer {
  question: string;
  answer: string | null;
  faqId: string | null;
  matchedQuestion: string | null;
  confidence: number;
}

export const answerFAQ: ActionModel = envelopedAction<Answer>({
  name: 'answerFAQ',
  kind: 'query',
  data: { fields: 'question: String! answer: String faqId: uuid confidence: Float! matchedQuestion: String' },
  // No FAQ id: none of the published FAQs shares enough with the question.
  message: ({ faqId }) => (faqId ? 'answerFAQ' : 'No published FAQ matches the question'),
  arguments: '(dataControllerId: uuid!, question: String!)',
  roles: ['anonymous', 'user', 'dataSubject'],
  async handler({ input, session, db }) {
    const question = (input.question as string).trim();
    if (question.length === 0 || question.length > MAX_QUESTION_LENGTH) {
      throw new ActionError(`question must be 1 to ${MAX_QUESTION_LENGTH} characters`, 'validation-failed');
    }
    const controllerId = await mayAsk(db, session, input.dataControllerId as string);
    const faqs = await db.query<Faq>(
      `SELECT id, question, answer FROM public.data_controller_faqs
       WHERE data_controller_id = $1 AND published ORDER BY position, created_at, id`,
      [controllerId],
    );
    const best = bestMatch(question, faqs);
    return {
      question,
      answer: best?.faq.answer ?? null,
      faqId: best?.faq.id ?? null,
      matchedQuestion: best?.faq.question ?? null,
      confidence: best ? best.confidence : 0,
    };
  },
});

async function mayAsk(db: Queryable, session: ActionContext['session'], controllerId: string): Promise<string> {
  if (session.role === 'anonymous') return (await publicControllerAccess(db, controllerId)).controllerId;
  if (session.role === 'dataSubject') {
    const own = session.variables['x-hasura-data-subject-id'];
    const access = own ? await subjectAccess(db, session, own, 'viewOrganisation', true) : undefined;
    if (access?.controllerId !== controllerId) throw new ActionError('data controller not found', 'not-found');
    return controllerId;
  }
  return (await controllerAccess(db, session, controllerId, 'viewOrganisation')).controllerId;
}

interface Faq {
  id: string;
  question: string;
  answer: string;
}

/**
 * Confidence = the Dice coefficient of the two questions' word sets, 2·|A∩B| / (|A|+|B|): 1 when
 * they use the same words, 0 when they share none. Ties go to the FAQ whose answer shares more
 * words with the question, then to the FAQ listed first (position).
 */
export function bestMatch(question: string, faqs: readonly Faq[]): { faq: Faq; confidence: number } | undefined {
  const asked = words(question);
  if (asked.size === 0) return undefined;
  let best: { faq: Faq; confidence: number; answerOverlap: number } | undefined;
  for (const faq of faqs) {
    const candidate = words(faq.question);
    const confidence = candidate.size === 0 ? 0 : (2 * overlap(asked, candidate)) / (asked.size + candidate.size);
    const answerOverlap = overlap(asked, words(faq.answer));
    if (
      !best ||
      confidence > best.confidence ||
      (confidence === best.confidence && answerOverlap > best.answerOverlap)
    ) {
      best = { faq, confidence, answerOverlap };
    }
  }
  if (!best || best.confidence < MIN_CONFIDENCE) return undefined;
  return { faq: best.faq, confidence: Math.round(best.confidence * 1000) / 1000 };
}

function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared;
}

const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by can
  could did do does doing down during each few for from further had has have having he her here hers herself him himself his
  how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours
  ourselves out over own same she should so some such than that the their theirs them themselves then there these they this
  those through to too under until up very was we were what when where which while who whom why will with would you your
  yours yourself yourselves please tell know want wish like get got let us may might must shall`.split(/\s+/),
);

/** The significant words of a text, normalised (see stem). */
export function words(text: string): Set<string> {
  const tokens = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0 && !STOP_WORDS.has(token));
  return new Set(tokens.map(stem));
}

/**
 * A deliberately tiny English stemmer: plurals and -ing/-ed forms meet their base word
 * (policies/policy, deleting/deleted/delete, cookies/cookie, shares/sharing). Stems keep at
 * least three letters, so short words are left alone.
 */
function stem(word: string): string {
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}i`;
  else if (/(ing|ed)$/.test(w) && w.replace(/(ing|ed)$/, '').length >= 3) w = w.replace(/(ing|ed)$/, '');
  else if (/(s|x|z|ch|sh)es$/.test(w) && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && w.length > 3) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  else if (w.endsWith('y') && w.length > 3) w = `${w.slice(0, -1)}i`;
  return w;
}
