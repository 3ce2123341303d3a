/**
 * urql (@urql/core) on the Pavise GraphQL API: PaviseClient signs in with your personal access
 * token, and its `fetch` adds the bearer token (refreshed as needed) to every request.
 *
 * Run it from the repository root:
 *   npm run build && PAVISE_PAT=… PAVISE_AUTH_URL=http://127.0.0.1:8080 \
 *     PAVISE_API_URL=http://127.0.0.1:8080/v1/graphql node packages/sdk/dist/examples/urql.js
 */
import { Client, fetchExchange, gql } from '@urql/core';
import { PaviseClient } from '../src/index.js'; // in your project: from '@pavise/sdk'

const pavise = new PaviseClient(); // reads PAVISE_PAT, PAVISE_AUTH_URL and PAVISE_API_URL

const urql = new Client({
  url: pavise.apiUrl,
  fetch: pavise.fetch, // the one line
  preferGetMethod: false, // urql sends queries as GET by default; Pavise's /v1/graphql takes POST
  exchanges: [fetchExchange],
});

const result = await urql
  .query(
    gql`
    query DataControllers {
      dataControllers { id title did }
    }
  `,
    {},
  )
  .toPromise();
if (result.error) throw result.error;
console.log(JSON.stringify(result.data, null, 2));
