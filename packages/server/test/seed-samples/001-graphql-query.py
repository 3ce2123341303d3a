import requests

def graphql_query(jwt: str, query: str, variables: dict = None):
    response = requests.post(
        'https://api.dxtra.ai/v1/graphql',
        headers={
            'Authorization': f'Bearer {jwt}',
            'X-Hasura-Role': 'user',
            'Content-Type': 'application/json'
        },
        json={'query': query, 'variables': variables or {}}
    )
    result = response.json()
    if 'errors' in result:
        raise Exception(result['errors'][0]['message'])
    return result['data']

# Query data controllers
data = graphql_query(jwt, '''
    query {
        dataControllers {
            id
            title
            did
            createdAt
        }
    }
''')
print(data['dataControllers'])
