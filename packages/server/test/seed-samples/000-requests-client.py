import requests
import time
from typing import Optional, Dict, Any
from datetime import datetime, timedelta

class DxtraApiClient:
    """Production-ready Dxtra API client with error handling and retry logic."""

    def __init__(self, api_key: str, auth_url: str = None, api_url: str = None):
        self.api_key = api_key
        self.auth_url = auth_url or "https://auth.dxtra.ai/v1/signin/pat"
        self.api_url = api_url or "https://api.dxtra.ai/v1/graphql"
        self.jwt_token: Optional[str] = None
        self.token_expires: Optional[datetime] = None

    def authenticate(self) -> str:
        """Exchange API key for JWT token."""
        try:
            response = requests.post(self.auth_url, json={
                "personalAccessToken": self.api_key
            })
            response.raise_for_status()

            session_data = response.json()["session"]
            self.jwt_token = session_data["accessToken"]

            # JWT access tokens expire in 15 minutes (900 seconds)
            # Refresh 2 minutes early to avoid expiration during requests
            expires_in = session_data.get("accessTokenExpiresIn", 900)
            self.token_expires = datetime.now() + timedelta(seconds=expires_in - 120)
            return self.jwt_token

        except requests.exceptions.RequestException as e:
            raise Exception(f"Authentication failed: {e}")

    def _ensure_valid_token(self) -> str:
        """Ensure we have a valid JWT token."""
        if not self.jwt_token or (self.token_expires and datetime.now() >= self.token_expires):
            return self.authenticate()
        return self.jwt_token

    def query(self, graphql_query: str, variables: Dict[str, Any] = None, retries: int = 3) -> Dict[str, Any]:
        """Execute a GraphQL query with error handling and retries."""
        variables = variables or {}
        self._ensure_valid_token()

        for attempt in range(1, retries + 1):
            try:
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.jwt_token}",
                    "X-Hasura-Role": "user",
                }

                response = requests.post(
                    self.api_url,
                    headers=headers,
                    json={"query": graphql_query, "variables": variables}
                )

                # Handle GraphQL errors
                if response.status_code == 200:
                    data = response.json()
                    if "errors" in data:
                        raise Exception(f"GraphQL Error: {data['errors'][0]['message']}")
                    return data["data"]

                response.raise_for_status()

            except requests.exceptions.RequestException as e:
                # Handle 401 by re-authenticating
                if hasattr(e, 'response') and e.response.status_code == 401 and attempt < retries:
                    print("Token expired, re-authenticating...")
                    self.authenticate()
                    continue

                # Handle rate limits with exponential backoff
                if hasattr(e, 'response') and e.response.status_code == 429 and attempt < retries:
                    delay = 2 ** attempt
                    print(f"Rate limited, retrying in {delay}s...")
                    time.sleep(delay)
                    continue

                if attempt == retries:
                    raise

                # Generic retry for other errors
                delay = 2 ** (attempt - 1)
                print(f"Request failed, retrying in {delay}s... (attempt {attempt}/{retries})")
                time.sleep(delay)
