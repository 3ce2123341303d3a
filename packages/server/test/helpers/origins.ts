import type { OriginSite } from './origin-site.js';
import { admin, gqlData, type Member } from './privacy.js';
import type { TestServer } from './server.js';

/** The origins of a controller ("Domain Management", docs/contracts.md §6.10), for the tests. */
export const ORIGIN_FIELDS = 'id dataControllerId origin method token verifiedAt';
export const VERIFY =
  'mutation($id: uuid!) { verifyDataControllerOrigin(id: $id) { status message data { id origin method verifiedAt } } }';

export interface OriginRow {
  id: string;
  dataControllerId: string;
  origin: string;
  method: string;
  token: string;
  verifiedAt: string | null;
}

/** Adds `origin` to the controller as its `owner` (method file unless told). */
export async function addOrigin(
  server: TestServer,
  owner: Member,
  controllerId: string,
  origin: string,
  method?: string,
): Promise<OriginRow> {
  const data = await gqlData(
    server,
    `mutation($o: dataControllerOrigins_insert_input!) { insertDataControllerOrigin(object: $o) { ${ORIGIN_FIELDS} } }`,
    { o: { dataControllerId: controllerId, origin, ...(method ? { method } : {}) } },
    { token: owner.token },
  );
  return data.insertDataControllerOrigin;
}

/** The row as it is stored now (read with the admin secret). */
export async function originRow(server: TestServer, id: string): Promise<OriginRow> {
  const data = await gqlData(
    server,
    `query($id: uuid!) { dataControllerOrigin(id: $id) { ${ORIGIN_FIELDS} } }`,
    { id },
    admin,
  );
  return data.dataControllerOrigin;
}

/** Adds the site's origin to the controller, serves its token there and verifies it: a widget's home. */
export async function verifiedSite(server: TestServer, owner: Member, controllerId: string, site: OriginSite) {
  const row = await addOrigin(server, owner, controllerId, site.origin);
  site.serveToken(row.token);
  await gqlData(server, VERIFY, { id: row.id }, { token: owner.token });
  return row;
}
