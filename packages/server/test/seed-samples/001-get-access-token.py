import requests

def get_access_token(pat: str) -> str:
    response = requests.post(
        'https://auth.dxtra.ai/v1/signin/pat',
        json={'personalAccessToken': pat}
    )
    response.raise_for_status()
    return response.json()['session']['accessToken']
