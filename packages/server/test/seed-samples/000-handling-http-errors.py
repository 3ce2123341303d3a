import requests

def safe_graphql_request(client, query, variables=None):
    """GraphQL request with comprehensive error handling."""
    try:
        response = client.query(query, variables)
        return {"success": True, "data": response}

    except requests.exceptions.HTTPError as e:
        status_code = e.response.status_code

        if status_code == 401:
            return {"success": False, "error": "Unauthorized - token expired or invalid"}
        elif status_code == 403:
            return {"success": False, "error": "Forbidden - insufficient permissions"}
        elif status_code == 429:
            return {"success": False, "error": "Rate limit exceeded - retry after delay"}
        else:
            return {"success": False, "error": f"HTTP {status_code}: {str(e)}"}

    except Exception as e:
        return {"success": False, "error": f"Request failed: {str(e)}"}
