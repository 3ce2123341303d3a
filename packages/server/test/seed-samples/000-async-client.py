import asyncio
import os
from typing import Optional, Dict, Any, List
from dataclasses import dataclass

import aiohttp
from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportError

@dataclass
class DxtraAsyncClient:
    """Type-safe async Dxtra API client using gql library."""

    api_key: str
    auth_url: str = "https://auth.dxtra.ai/v1/signin/pat"
    api_url: str = "https://api.dxtra.ai/v1/graphql"
    jwt_token: Optional[str] = None
    _client: Optional[Client] = None
    _session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self):
        """Context manager entry - authenticate and setup client."""
        self._session = aiohttp.ClientSession()
        await self.authenticate()
        return self

    async def __aexit__(self, exc_type, exc_val, exc_tb):
        """Context manager exit - cleanup resources."""
        if self._client:
            await self._client.close_async()
        if self._session:
            await self._session.close()

    async def authenticate(self) -> str:
        """Exchange API key for JWT token."""
        async with self._session.post(
            self.auth_url,
            json={"personalAccessToken": self.api_key}
        ) as response:
            response.raise_for_status()
            data = await response.json()
            self.jwt_token = data["session"]["accessToken"]

            # Setup GraphQL client with authentication
            headers = {
                "Authorization": f"Bearer {self.jwt_token}",
                "X-Hasura-Role": "user"
            }
            transport = AIOHTTPTransport(url=self.api_url, headers=headers)
            self._client = Client(transport=transport, fetch_schema_from_transport=False)

            return self.jwt_token

    async def query(self, graphql_query: str, variables: Dict[str, Any] = None) -> Dict[str, Any]:
        """Execute async GraphQL query with type safety."""
        if not self._client:
            raise RuntimeError("Client not initialized. Use async context manager.")

        try:
            query_node = gql(graphql_query)
            result = await self._client.execute_async(
                query_node,
                variable_values=variables or {}
            )
            return result

        except TransportError as e:
            raise Exception(f"GraphQL transport error: {e}")

# Usage example
async def fetch_data_controllers():
    """Fetch data controllers using async client."""
    async with DxtraAsyncClient(os.getenv("DXTRA_API_KEY")) as client:
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

        data = await client.query(query)
        return data["dataControllers"]

# Run async function
if __name__ == "__main__":
    controllers = asyncio.run(fetch_data_controllers())
    print(f"Found {len(controllers)} data controllers")
