const query = `
  query {
    dataControllers {
      id
      title
    }
  }
`;

const response = await fetch('https://api.dxtra.ai/v1/graphql', {
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',
    'Authorization': `Bearer ${accessToken}`
  },
  body: JSON.stringify({ query })
});
const { data } = await response.json();
