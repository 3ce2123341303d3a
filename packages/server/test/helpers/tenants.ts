import type { TestServer } from './server.js';

export interface Tenant {
  token: string;
  userId: string;
  controllerId: string;
}

/**
 * Two tenants: A is the bootstrap owner with its "My Organisation"; B signs up and gets the
 * controller "Tenant B". Until the privacy domain's own mutations exist, B's controller and
 * membership are written with SQL.
 */
export async function twoTenants(server: TestServer): Promise<{ a: Tenant; b: Tenant }> {
  const sessionA = await server.signIn();
  const [controllerA] = await server.pavise.db.query<{ id: string }>(
    'SELECT data_controller_id AS id FROM public.data_controller_users WHERE user_id = $1',
    [sessionA.user.id],
  );
  const signUp = await server.call('/v1/signup/email-password', {
    body: { email: 'b@example.com', password: 'Tenant-b-passw0rd' },
  });
  const sessionB = signUp.body.session;
  const [controllerB] = await server.pavise.db.query<{ id: string }>(
    "INSERT INTO public.data_controllers (title, email) VALUES ('Tenant B', 'privacy@b.example') RETURNING id",
  );
  await server.pavise.db.query(
    "INSERT INTO public.data_controller_users (data_controller_id, user_id, role) VALUES ($1, $2, 'owner')",
    [controllerB!.id, sessionB.user.id],
  );
  return {
    a: { token: sessionA.accessToken, userId: sessionA.user.id, controllerId: controllerA!.id },
    b: { token: sessionB.accessToken, userId: sessionB.user.id, controllerId: controllerB!.id },
  };
}

/**
 * Data subjects written with SQL: three of A's, two of B's. Subject i of a tenant (from 0) was
 * created on 2026-01-01 + i days and has the DID `did:dep:<first four characters of its
 * controller id><i>`, except subject 0, which has none.
 */
export async function insertSubjects(server: TestServer, a: Tenant, b: Tenant): Promise<void> {
  for (const [controller, count] of [
    [a.controllerId, 3],
    [b.controllerId, 2],
  ] as const) {
    for (let i = 0; i < count; i++) {
      await server.pavise.db.query(
        "INSERT INTO public.data_subjects (data_controller_id, did, created_at) VALUES ($1, $2, timestamptz '2026-01-01' + make_interval(days => $3))",
        [controller, i === 0 ? null : `did:dep:${controller.slice(0, 4)}${i}`, i],
      );
    }
  }
}

/** POST /v1/graphql: `query` with `options.variables`, sent with `options.token` and `options.headers`. */
export function graphql(
  server: TestServer,
  query: string,
  options: { token?: string; variables?: unknown; headers?: Record<string, string> } = {},
) {
  return server.call('/v1/graphql', {
    token: options.token,
    headers: options.headers,
    body: { query, variables: options.variables },
  });
}
