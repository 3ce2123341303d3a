import type { Queryable } from '../db/database.js';
import { didFor } from './did.js';

export const DEFAULT_CONTROLLER_TITLE = 'My Organisation';

/** First start: the owner's own data controller, so the first-request guide's query has a row. */
export async function createDefaultDataController(tx: Queryable, ownerId: string): Promise<Record<string, string>> {
  const [controller] = await tx.query<{ id: string }>(
    'INSERT INTO public.data_controllers (title) VALUES ($1) RETURNING id',
    [DEFAULT_CONTROLLER_TITLE],
  );
  await tx.query('UPDATE public.data_controllers SET did = $2 WHERE id = $1', [controller!.id, didFor(controller!.id)]);
  await tx.query(
    "INSERT INTO public.data_controller_users (data_controller_id, user_id, role) VALUES ($1, $2, 'owner')",
    [controller!.id, ownerId],
  );
  return { 'Data controller': `${DEFAULT_CONTROLLER_TITLE} (id ${controller!.id})` };
}
