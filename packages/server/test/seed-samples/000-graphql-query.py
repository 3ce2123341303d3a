import requests
import os

DXTRA_API_KEY = "YOUR_API_KEY"
DXTRA_AUTH_URL = "https://auth.dxtra.ai/v1/signin/pat"
DXTRA_API_URL = "https://api.dxtra.ai/v1/graphql"

def exchange_api_key_for_jwt(api_key):
    """Exchange API key for JWT token using PAT flow."""
    try:
        response = requests.post(DXTRA_AUTH_URL, json={
            "personalAccessToken": api_key
        })
        response.raise_for_status()
        return response.json()["session"]["accessToken"]
    except requests.exceptions.RequestException as e:
        print(f"Error exchanging API key for JWT: {e}")
        raise

def get_data_controllers():
    try:
        # Step 1: Exchange API key for JWT
        jwt_token = exchange_api_key_for_jwt(DXTRA_API_KEY)

        # Step 2: Use JWT to make GraphQL request
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {jwt_token}",
            "X-Hasura-Role": "user",
        }
        query = """
        query GetDataControllers {
          dataControllers {
            id
            title
            did
            createdAt
          }
        }
        """
        response = requests.post(
            DXTRA_API_URL, headers=headers, json={"query": query}
        )
        response.raise_for_status()
        data = response.json()

        # Handle GraphQL errors
        if "errors" in data:
            print(f"GraphQL Error: {data['errors'][0]['message']}")
            return None

        print(data["data"]["dataControllers"])
        return data["data"]["dataControllers"]
    except requests.exceptions.RequestException as e:
        print(f"Error fetching data controllers: {e}")
        return None

if __name__ == "__main__":
    get_data_controllers()
