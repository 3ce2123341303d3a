import requests

query = """
query {
  dataControllers {
    id
    title
  }
}
"""

resp = requests.post(
    'https://api.dxtra.ai/v1/graphql',
    headers={'Authorization': f'Bearer {access_token}'},
    json={'query': query}
)
resp.raise_for_status()
data = resp.json()['data']
