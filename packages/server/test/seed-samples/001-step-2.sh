# Exchange PAT for JWT
curl -X POST "https://auth.dxtra.ai/v1/signin/pat" \
  -H "Content-Type: application/json" \
  -d '{"personalAccessToken": "YOUR_PAT"}'
