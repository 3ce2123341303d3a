import os
from dataclasses import dataclass

@dataclass
class Config:
    """Dxtra API configuration from environment variables."""
    api_key: str
    auth_url: str = "https://auth.dxtra.ai/v1/signin/pat"
    api_url: str = "https://api.dxtra.ai/v1/graphql"

    @classmethod
    def from_env(cls):
        """Load configuration from environment variables."""
        api_key = os.getenv("DXTRA_API_KEY")
        if not api_key:
            raise ValueError("DXTRA_API_KEY environment variable is required")

        return cls(
            api_key=api_key,
            auth_url=os.getenv("DXTRA_AUTH_URL", cls.auth_url),
            api_url=os.getenv("DXTRA_API_URL", cls.api_url)
        )

config = Config.from_env()
