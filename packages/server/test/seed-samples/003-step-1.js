const response = await fetch('https://auth.dxtra.ai/v1/signin/pat', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ personalAccessToken: 'YOUR_PAT' })
});
const { session } = await response.json();
const accessToken = session.accessToken;
