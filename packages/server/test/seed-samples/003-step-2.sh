curl \
  -X POST \
  -H "Content-Type: application/json" \
  -H "Authorization: Bearer YOUR_ACCESS_TOKEN" \
  --data '{"query": "query { dataControllers { id title } }"}' \
  https://api.dxtra.ai/v1/graphql
