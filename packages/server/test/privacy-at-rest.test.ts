import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { developmentKeyFile, loadMasterKeys, readKeyFile } from '../src/crypto/master-keys.js';
import type { Queryable } from '../src/db/database.js';
import { CONTROLLER_KEYS, openPersonalData, PrivacyKeys, unwrapSubjectKey } from '../src/privacy/keys.js';
import { assertNotInClear } from './helpers/at-rest.js';
import { createTestDatabase } from './helpers/database.js';
import { startPrivacyServer } from './helpers/privacy.js';
import { unless } from './helpers/requirements.js';

/**
 * The acceptance criterion of the privacy domain's storage: personal data received through every
 * public way in (createDataSubject, captureConsent, submitDataSubjectsRightsRequest) is nowhere in
 * clear — not in any file of the database (PGlite's data directory; a pg_dump on PostgreSQL),
 * not in the server's logs — and an erasure makes the subject's sealed rows, as a backup taken
 * before it would hold them, undecryptable with every key the server still has.
 */

const FIRST = ['Ada', 'Grace', 'Zoë', 'Łukasz', 'Mónica', 'Hiro', 'Amara', 'Søren', 'Nadia', 'Oluwaseun'];
const LAST = ['Lovelace', 'Hopper', 'Nakamura', 'Kowalczyk', 'García', 'Okafor', 'Brandt', 'Haddad'];
const pick = <T>(list: readonly T[]) => list[randomInt(list.length)]!;

interface Person {
  email: string;
  phone: string;
  displayName: string;
}

/** A person no byte sequence of the database could contain by chance: every value carries random hex. */
function randomPerson(): Person {
  const tag = randomBytes(5).toString('hex');
  const first = pick(FIRST);
  const last = pick(LAST);
  const digits = Array.from({ length: 9 }, () => randomInt(10)).join('');
  return {
    email: `${first}.${last}.${tag}@Example.com`.normalize('NFC'),
    phone: `+44 7${digits.slice(0, 3)} ${digits.slice(3)}`,
    displayName: `${first} ${last}-${tag}`,
  };
}

/** Every spelling of a person's data that could be stored: as sent, and as the identifiers are normalised. */
function spellings(person: Person): string[] {
  return [person.email, person.email.toLowerCase(), person.phone, person.phone.replace(/\s/g, ''), person.displayName];
}

describe('privacy: no personal data in clear at rest or in the logs; erasure is crypto-shredding', {
  skip: await unless('pg_dump'),
}, () => {
  it('keeps every email, phone and name out of the database files and the logs, and erased data undecryptable', async () => {
    const database = await createTestDatabase();
    const server = await startPrivacyServer({ PAVISE_LOG_LEVEL: 'trace' }, database);
    try {
      const title = `At Rest Controller ${randomBytes(6).toString('hex')}`;
      const { controllerId, owner } = await server.newController(title);
      const member = { token: owner.token };
      const purposeId = await server.insertPurpose(member, {
        dataControllerId: controllerId,
        name: 'Newsletter',
        category: 'marketing',
      });
      const consentFormId = await server.insertConsentForm(
        member,
        { dataControllerId: controllerId, name: 'Banner', status: 'approved' },
        [purposeId],
      );

      const people = Array.from({ length: 21 }, randomPerson);
      const subjectIds: string[] = [];
      // 14 through createDataSubject, each exported once (a read path that could log what it returns).
      for (const person of people.slice(0, 14)) {
        const data = await server.gqlData(
          'mutation($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId } }',
          { input: { event: 'signup', dataControllerId: controllerId, payload: { ...person, country: 'DE' } } },
          member,
        );
        subjectIds.push(data.createDataSubject.dataSubjectId);
        const exported = await server.gqlData(
          'mutation($id: uuid!) { exportDataSubjectData(dataSubjectId: $id, format: "csv") { data { content } } }',
          { id: data.createDataSubject.dataSubjectId },
          member,
        );
        assert.ok(
          exported.exportDataSubjectData.data.content.includes(person.displayName),
          'the export decrypts the data',
        );
      }
      // 3 from a consent banner (no name there), 3 through a rights request form, anonymously.
      for (const person of people.slice(14, 17)) {
        const captured = await server.gqlData(
          'mutation($input: CaptureConsentInput!) { captureConsent(input: $input) { status } }',
          {
            input: {
              dataControllerId: controllerId,
              consentFormId,
              email: person.email,
              phone: person.phone,
              choices: [{ purposeId, value: 'granted' }],
              gpc: true,
            },
          },
        );
        assert.equal(captured.captureConsent.status, 'success');
      }
      for (const person of people.slice(17, 20)) {
        const submitted = await server.gqlData(
          'mutation($input: SubmitDataSubjectsRightsRequestInput!) { submitDataSubjectsRightsRequest(input: $input) { status } }',
          {
            input: { dataControllerId: controllerId, requestType: 'access', ...person, country: 'FR' },
          },
        );
        assert.equal(submitted.submitDataSubjectsRightsRequest.status, 'success');
      }
      // One refused: its values reach the server (and could reach a log line) but are not stored.
      const refused = people[20]!;
      const refusal = await server.gql(
        'mutation($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId } }',
        {
          input: {
            event: 'signup',
            dataControllerId: controllerId,
            payload: { email: refused.email, displayName: refused.displayName, phone: `${refused.phone} ext. 12` },
          },
        },
        member,
      );
      assert.equal(refusal.body.errors[0].extensions.code, 'validation-failed');
      const [{ subjects }] = (await server.pavise.db.query<{ subjects: number }>(
        'SELECT count(*)::int AS subjects FROM public.data_subjects WHERE data_controller_id = $1',
        [controllerId],
      )) as [{ subjects: number }];
      assert.equal(subjects, 20);

      // Erasure. First the rows a backup taken now would hold, and proof this code can open them.
      const victim = subjectIds[0]!;
      const backup = await server.pavise.db.query<{ sealed: Buffer }>(
        'SELECT sealed FROM privacy.personal_data WHERE data_subject_id = $1 ORDER BY created_at',
        [victim],
      );
      assert.equal(backup.length, 1);
      const config = loadConfig({ ...database.env, PAVISE_PORT: '0' });
      const keyring = await serverKeys(server.pavise.db, config);
      const victimKey = keyring.subjectKeys.get(victim);
      assert.ok(victimKey, 'the subject key is there before the erasure');
      assert.deepEqual(
        openPersonalData(victimKey, victim, backup[0]!.sealed),
        { ...people[0], country: 'DE' },
        'positive control: the sealed row opens with the subject key',
      );

      const erased = await server.gqlData(
        'mutation($id: uuid!) { eraseDataSubject(dataSubjectId: $id) { data { erasedAt } } }',
        { id: victim },
        member,
      );
      assert.ok(erased.eraseDataSubject.data.erasedAt);
      const afterwards = await server.gqlData(
        'mutation($id: uuid!) { exportDataSubjectData(dataSubjectId: $id) { data { content } } }',
        { id: victim },
        member,
      );
      const exported = JSON.parse(afterwards.exportDataSubjectData.data.content);
      assert.deepEqual(exported.personalData, []);
      assert.ok(exported.dataSubject.erasedAt);
      for (const value of spellings(people[0]!))
        assert.ok(!afterwards.exportDataSubjectData.data.content.includes(value), value);

      // Every key the server still holds — master keys, controller root and derived keys, every
      // remaining subject key — fails on the rows captured before the erasure.
      const remaining = await serverKeys(server.pavise.db, config);
      assert.equal(remaining.subjectKeys.has(victim), false, 'the subject key is gone');
      assert.equal(remaining.subjectKeys.size, 19, 'the other subjects keep theirs');
      const candidates = [...remaining.masterKeys, ...remaining.controllerKeys, ...remaining.subjectKeys.values()];
      for (const candidate of candidates) {
        assert.throws(
          () => openPersonalData(candidate, victim, backup[0]!.sealed),
          'a key the server still has opened erased data',
        );
      }
      // The remaining subjects' data still opens (the check above is not vacuous).
      const [other] = await server.pavise.db.query<{ sealed: Buffer }>(
        'SELECT sealed FROM privacy.personal_data WHERE data_subject_id = $1',
        [subjectIds[1]],
      );
      assert.deepEqual(openPersonalData(remaining.subjectKeys.get(subjectIds[1]!)!, subjectIds[1]!, other!.sealed), {
        ...people[1],
        country: 'DE',
      });

      // Now what is at rest and what was logged.
      await server.close();
      // The controller's title is stored in clear.
      await assertNotInClear(database, server.logs(), people.flatMap(spellings), title);
    } finally {
      await server.close();
      await database.drop();
    }
  });
});

/** Every key the server could use, derived the way it does (keys.ts) from the master keys of its config. */
async function serverKeys(db: Queryable, config: ReturnType<typeof loadConfig>) {
  const provider = await loadMasterKeys(config);
  const privacyKeys = new PrivacyKeys(provider);
  const masterKeys = config.masterKey
    ? [config.masterKey, ...config.masterKeysPrevious]
    : ((await readKeyFile(developmentKeyFile(config))) ?? []);
  const controllerKeys: Buffer[] = [];
  const subjectKeys = new Map<string, Buffer>();
  const controllers = await db.query<{ data_controller_id: string; wrapped_key: Buffer; master_key_id: string }>(
    'SELECT data_controller_id, wrapped_key, master_key_id FROM privacy.controller_keys',
  );
  for (const controller of controllers) {
    const stored = { wrapped: Buffer.from(controller.wrapped_key), masterKeyId: controller.master_key_id };
    const root = await provider.unwrap(
      stored.wrapped,
      stored.masterKeyId,
      CONTROLLER_KEYS.context(controller.data_controller_id),
    );
    const derived = await privacyKeys.forController(db, controller.data_controller_id, stored);
    controllerKeys.push(root, derived.identifierKey, derived.subjectWrappingKey);
    const subjects = await db.query<{ data_subject_id: string; wrapped_key: Buffer }>(
      'SELECT data_subject_id, wrapped_key FROM privacy.data_subject_keys WHERE data_controller_id = $1',
      [controller.data_controller_id],
    );
    for (const subject of subjects)
      subjectKeys.set(subject.data_subject_id, unwrapSubjectKey(derived, subject.data_subject_id, subject.wrapped_key));
  }
  return { masterKeys, controllerKeys, subjectKeys };
}
