import { column } from '../../graphql/model.js';
import { ownController } from '../permissions.js';
import { controllerTable, members, publicRead, text, timestamps } from './shared.js';

/** Privacy notices: drafted by members, public once published (the Transparency Center). */

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
