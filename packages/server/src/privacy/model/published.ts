import { column } from '../../graphql/model.js';
import { ownController } from '../permissions.js';
import { controllerTable, members, publicRead, text, timestamps } from './shared.js';

/**
 * What a controller publishes for data subjects, drafted by members and public once published:
 * privacy notices (the Transparency Center) and FAQ answers (the Help Center).
 */

const PUBLIC_COLUMNS = [
  'id',
  'dataControllerId',
  'title',
  'noticeType',
  'language',
  'content',
  'version',
  'publishedAt',
];
const PUBLISHED = { status: { _eq: 'published' } };

export const privacyNotices = controllerTable({
  name: 'privacyNotices',
  singular: 'privacyNotice',
  columns: [
    text('title'),
    text('notice_type'),
    text('language'),
    text('content'),
    column('version', 'Int'),
    text('status'),
    column('published_at', 'timestamptz', { nullable: true }),
    ...timestamps,
  ],
  permissions: {
    user: members('viewPrivacy', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'title', 'noticeType', 'language', 'content'],
      update: ['title', 'noticeType', 'language', 'content', 'version', 'status', 'publishedAt'],
      delete: true,
    }),
    // Visitors of a Transparency Center: published notices only, never drafts or their status.
    anonymous: publicRead(PUBLIC_COLUMNS, PUBLISHED),
    dataSubject: publicRead(PUBLIC_COLUMNS, { _and: [PUBLISHED, ownController()] }),
  },
});

const FAQ_COLUMNS = ['id', 'dataControllerId', 'question', 'answer', 'position'];
const PUBLISHED_FAQ = { published: { _eq: true } };

export const dataControllerFaqs = controllerTable({
  name: 'dataControllerFaqs',
  singular: 'dataControllerFaq',
  columns: [text('question'), text('answer'), column('published', 'Boolean'), column('position', 'Int'), ...timestamps],
  permissions: {
    user: members('viewOrganisation', {
      may: 'managePrivacy',
      insert: ['dataControllerId', 'question', 'answer', 'published', 'position'],
      update: ['question', 'answer', 'published', 'position'],
      delete: true,
    }),
    // The Help Center's published answers are public.
    anonymous: publicRead(FAQ_COLUMNS, PUBLISHED_FAQ),
    dataSubject: publicRead(FAQ_COLUMNS, { _and: [PUBLISHED_FAQ, ownController()] }),
  },
});
