curl -X POST "https://api.dxtra.ai/v1/graphql" \
  -H "Authorization: Bearer $JWT_TOKEN" \
  -H "X-Hasura-Role: user" \
  -H "Content-Type: application/json" \
  -d '{
    "query": "mutation CreateDataSubject($input: CreateDataSubjectInput!) { createDataSubject(input: $input) { dataSubjectId message } }",
    "variables": {
      "input": {
        "event": "signup",
        "dataControllerId": "YOUR_CONTROLLER_ID",
        "payload": {
          "displayName": "Test User",
          "email": "test@example.com",
          "country": "US"
        }
      }
    }
  }'
