/**
 * Seed 000's "production-ready client" flow with PaviseClient: list the data controllers, create
 * one (the documented insertDataController mutation), and handle errors by their Hasura code.
 * Token exchange, refresh, 401 handling and backoff are the client's job; none of it is here.
 *
 * Run it from the repository root:
 *   npm run build && PAVISE_PAT=… PAVISE_AUTH_URL=http://127.0.0.1:8080 \
 *     PAVISE_API_URL=http://127.0.0.1:8080/v1/graphql node packages/sdk/dist/examples/seed-flows.js
 * (DXTRA_API_KEY, DXTRA_AUTH_URL and DXTRA_API_URL work as well.)
 */
import { PaviseClient, PaviseError } from '../src/index.js'; // in your project: from '@pavise/sdk'

interface DataController {
  id: string;
  title: string;
  did: string | null;
}

const client = new PaviseClient();

const { dataControllers } = await client.query<{ dataControllers: DataController[] }>(`
  query GetDataControllers {
    dataControllers { id title did }
  }
`);
console.log(`Found ${dataControllers.length} data controllers`);

const { insertDataController: created } = await client.query<
  { insertDataController: DataController },
  { object: { title: string; email: string } }
>(
  `mutation InsertDataController($object: dataControllers_insert_input!) {
    insertDataController(object: $object) { id title did }
  }`,
  { object: { title: 'Example Corp', email: 'privacy@example.com' } },
);
console.log(`Created controller: ${created.id}`);

try {
  await client.query('{ dataControllers { nope } }');
} catch (error) {
  if (!(error instanceof PaviseError)) throw error;
  // e.g. validation-failed: field 'nope' not found in type: 'dataControllers'
  console.log(`Error: ${error.code}: ${error.message}`);
}
