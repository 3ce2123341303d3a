"""The shapes of what the client returns: the server's JSON objects (as typed dicts) and the
result of a read with its provenance."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Literal, Optional, TypedDict

from .exceptions import XtraError

__all__ = ["Branch", "Project", "SecretsResult", "SetSecretsResult", "StaleInfo"]


class Project(TypedDict):
    """A project, as ``GET /api/projects/<id>`` describes it."""

    id: str
    name: str
    description: Optional[str]
    workspace: Literal["personal", "organisation"]
    dataControllerId: Optional[str]
    role: str
    environments: List[str]
    branches: List[str]
    createdAt: str
    updatedAt: str


class Branch(TypedDict):
    """A branch, as ``POST /api/branch`` returns it. ``baseEnv`` ties it to one environment."""

    id: str
    name: str
    description: Optional[str]
    baseEnv: Optional[str]
    projectId: str
    createdAt: str


class SetSecretsResult(TypedDict):
    """What a write did: how many keys it wrote, and each written key's new version."""

    count: int
    versions: Dict[str, int]


@dataclass(frozen=True)
class StaleInfo:
    """Passed to ``on_stale`` each time a stale value is served instead of the server's answer."""

    project_id: str
    env: str
    branch: str
    #: When the server sent the value now served (timezone-aware, UTC).
    fetched_at: datetime
    #: Why the server's answer is missing.
    error: XtraError


@dataclass(frozen=True)
class SecretsResult:
    """A read and where its value came from (see ``XtraClient.get_secrets_with_metadata``)."""

    #: ``{KEY: value}``: a new dict, the caller's to change.
    secrets: Dict[str, str] = field(repr=False)
    #: True when the server could not be asked and this is the last good value (see ``error``).
    stale: bool
    #: True when the value came from the cache (fresh within ``cache_ttl``, or stale).
    from_cache: bool
    #: When the server sent this value (timezone-aware, UTC).
    fetched_at: datetime
    #: Why the server's answer is missing, when stale.
    error: Optional[XtraError] = None
