import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/clock.js';
import { LocalMasterKeys } from '../../src/crypto/key-provider.js';
import type { Database } from '../../src/db/database.js';
import type { Model } from '../../src/graphql/model.js';
import { Mailer } from '../../src/mail/mailer.js';
import { createPrivacyModel } from '../../src/privacy/model/index.js';
import { privacyServices } from '../../src/privacy/services.js';

/**
 * The privacy model on `db`, for tests that build an engine of their own: fresh master keys, and
 * a mailer whose outbox nobody delivers (these tests send no mail).
 */
export function privacyModelOn(db: Database): Model {
  const mailer = new Mailer({ nudge() {} }, { publicUrl: () => 'http://127.0.0.1', messageIdDomain: 'pavise.test' });
  return createPrivacyModel(
    privacyServices(new LocalMasterKeys([randomBytes(32)]), { db, mailer, clock: systemClock }),
  );
}
