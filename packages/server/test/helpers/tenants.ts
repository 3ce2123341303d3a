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
    body: { email: 'b@example.com', password: 'tenant b password' },
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
