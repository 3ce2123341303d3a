import os
import asyncio
from dotenv import load_dotenv

load_dotenv()

async def main():
    """Example usage of Dxtra API clients."""

    # Basic sync client
    from requests_client import DxtraApiClient
    client = DxtraApiClient(os.getenv("DXTRA_API_KEY"))

    # Fetch data controllers
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

    try:
        data = client.query(query)
        print(f"Found {len(data['dataControllers'])} data controllers")
    except Exception as e:
        print(f"Error: {e}")

    # Async type-safe client
    async with DxtraAsyncClient(os.getenv("DXTRA_API_KEY")) as async_client:
        # Query with variables
        mutation = """
        mutation InsertDataController($object: dataControllers_insert_input!) {
          insertDataController(object: $object) {
            id
            title
            did
          }
        }
        """

        variables = {
            "object": {
                "title": "Example Corp",
                "email": "privacy@example.com"
            }
        }

        result = await async_client.query(mutation, variables)
        controller = result["insertDataController"]
        print(f"Created controller: {controller['id']}")

if __name__ == "__main__":
    asyncio.run(main())
