/**
 * Apollo Client on the Pavise GraphQL API: PaviseClient signs in with your personal access
 * token, and its `fetch` adds the bearer token (refreshed as needed) to every request.
 *
 * Run it from the repository root:
 *   npm run build && PAVISE_PAT=… PAVISE_AUTH_URL=http://127.0.0.1:8080 \
 *     PAVISE_API_URL=http://127.0.0.1:8080/v1/graphql node packages/sdk/dist/examples/apollo-client.js
 */
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PaviseClient } from '../src/index.js'; // in your project: from '@pavise/sdk'

const pavise = new PaviseClient(); // reads PAVISE_PAT, PAVISE_AUTH_URL and PAVISE_API_URL

const apollo = new ApolloClient({
  link: new HttpLink({ uri: pavise.apiUrl, fetch: pavise.fetch }), // the one line
  cache: new InMemoryCache(),
});

const { data } = await apollo.query({
  query: gql`
    query DataControllers {
      dataControllers { id title did }
    }
  `,
});
console.log(JSON.stringify(data, null, 2)); // Apollo adds __typename to each controller
apollo.stop();
