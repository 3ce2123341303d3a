curl \
  -X POST \
  -H "Content-Type: application/json" \
  --data '{"personalAccessToken": "YOUR_PAT"}' \
  https://auth.dxtra.ai/v1/signin/pat
