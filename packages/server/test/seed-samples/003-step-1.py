import requests

resp = requests.post(
    'https://auth.dxtra.ai/v1/signin/pat',
    json={'personalAccessToken': 'YOUR_PAT'}
)
resp.raise_for_status()
access_token = resp.json()['session']['accessToken']
