async function queryGraphQL(jwt, query, variables = {}) {
  const response = await fetch('https://api.dxtra.ai/v1/graphql', {
    method: 'POST',
    headers: {
      'Authorization': `Bearer ${jwt}`,
      'X-Hasura-Role': 'user',
      'Content-Type': 'application/json'
    },
    body: JSON.stringify({ query, variables })
  });

  const result = await response.json();
  if (result.errors) {
    throw new Error(result.errors[0].message);
  }
  return result.data;
}

// Query data controllers
const data = await queryGraphQL(jwt, `
  query {
    dataControllers {
      id
      title
      did
      createdAt
    }
  }
`);
console.log(data.dataControllers);
