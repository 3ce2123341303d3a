import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestServer } from './helpers/server.js';
import { suiteServer } from './helpers/suite.js';

/** The audit trail: what is recorded, and that tampering is found at the entry tampered with. */
describe('vault audit chain', () => {
  const server = suiteServer();
  let token: string;
  let projectId: string;
  const api = (route: string, options: Parameters<TestServer['call']>[1] = {}) =>
    server.call(`/api${route}`, { token, ...options });

  before(async () => {
    token = server.bootstrap!.pat;
    projectId = (await api('/project', { body: { name: 'Audited' } })).body.id;
    await api(`/projects/${projectId}/envs/production/secrets`, {
      body: { secrets: { API_KEY: 'value-one', OTHER: 'value-two' } },
    });
    await api(`/projects/${projectId}/envs/production/secrets`);
    await api(`/projects/${projectId}/envs/production/secrets/API_KEY`, { method: 'DELETE' });
  });

  it('records every read and write with actor, action and key names, never values', async () => {
    const { status, body } = await api(`/audit?projectId=${projectId}`);
    assert.equal(status, 200);
    const actions = body.data.map((entry: any) => entry.action).reverse();
    assert.deepEqual(actions, ['project.create', 'secrets.write', 'secrets.read', 'secret.delete']);
    const write = body.data.find((entry: any) => entry.action === 'secrets.write');
    assert.deepEqual(write.keys, ['API_KEY', 'OTHER']);
    assert.match(write.actor, /^user:[0-9a-f-]{36}$/);
    assert.equal(write.environment, 'production');
    assert.equal(body.total, 4);
    const everything = JSON.stringify(body);
    assert.ok(!everything.includes('value-one') && !everything.includes('value-two'), 'no value is in the trail');
  });

  it('verifies an untouched chain', async () => {
    const { status, body } = await api('/audit/verify');
    assert.equal(status, 200);
    assert.equal(body.valid, true);
    assert.equal(body.entries, 4);
  });

  it('reports a changed entry at that entry, and a removed one where it was', async () => {
    const [entry] = await server.pavise.db.query<{ id: string; chain: string }>(
      "SELECT id, chain FROM vault.audit_log WHERE action = 'secrets.read' AND project_id = $1",
      [projectId],
    );
    await server.pavise.db.query("UPDATE vault.audit_log SET keys = '{}' WHERE id = $1", [entry!.id]);
    const changed = (await api('/audit/verify')).body;
    assert.equal(changed.valid, false);
    assert.equal(changed.brokenAt.id, Number(entry!.id));
    assert.equal(changed.brokenAt.seq, 3);
    assert.match(changed.reason, /changed/);

    await server.pavise.db.query('DELETE FROM vault.audit_log WHERE id = $1', [entry!.id]);
    const removed = (await api('/audit/verify')).body;
    assert.equal(removed.valid, false);
    assert.equal(removed.brokenAt.seq, 4);
    assert.match(removed.reason, /missing/);
  });
});
