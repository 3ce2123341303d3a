def execute_with_error_handling(client, query, variables=None):
    """Execute GraphQL with detailed error reporting."""
    try:
        # Make request
        headers = {
            "Authorization": f"Bearer {client.jwt_token}",
            "X-Hasura-Role": "user"
        }
        response = requests.post(
            client.api_url,
            headers=headers,
            json={"query": query, "variables": variables or {}}
        )

        # Parse response
        data = response.json()

        # Check for GraphQL errors
        if "errors" in data:
            error = data["errors"][0]
            print(f"GraphQL Error: {error['message']}")

            # Extract error details
            if "extensions" in error:
                print(f"Error code: {error['extensions'].get('code')}")
                print(f"Error path: {error.get('path')}")

            return None

        return data["data"]

    except Exception as e:
        print(f"Request exception: {e}")
        return None
