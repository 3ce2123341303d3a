/**
 * graphql-request on the Pavise GraphQL API: PaviseClient signs in with your personal access
 * token, and its `fetch` adds the bearer token (refreshed as needed) to every request.
 *
 * Run it from the repository root:
 *   npm run build && PAVISE_PAT=… PAVISE_AUTH_URL=http://127.0.0.1:8080 \
 *     PAVISE_API_URL=http://127.0.0.1:8080/v1/graphql node packages/sdk/dist/examples/graphql-request.js
 */
import { GraphQLClient, gql } from 'graphql-request';
import { PaviseClient } from '../src/index.js'; // in your project: from '@pavise/sdk'

const pavise = new PaviseClient(); // reads PAVISE_PAT, PAVISE_AUTH_URL and PAVISE_API_URL

const graphql = new GraphQLClient(pavise.apiUrl, { fetch: pavise.fetch }); // the one line

const data = await graphql.request(gql`
  query DataControllers {
    dataControllers { id title did }
  }
`);
console.log(JSON.stringify(data, null, 2));
