"""xtrasecurity: the Python client of the Pavise secrets vault, with the surface of
XtraSecurity's Python SDK (``pip install xtrasecurity-sdk``).

>>> from xtrasecurity import XtraClient, XtraClientOptions
>>> client = XtraClient(XtraClientOptions(project_id="...", cache_ttl=60))  # doctest: +SKIP
>>> client.get_secrets("production")  # doctest: +SKIP
"""

from ._version import __version__
from .client import DEFAULT_API_URL, BranchesApi, ProjectsApi, XtraClient, XtraClientOptions
from .exceptions import XtraConflict, XtraError
from .models import Branch, Project, SecretsResult, SetSecretsResult, StaleInfo

__all__ = [
    "Branch",
    "BranchesApi",
    "DEFAULT_API_URL",
    "Project",
    "ProjectsApi",
    "SecretsResult",
    "SetSecretsResult",
    "StaleInfo",
    "XtraClient",
    "XtraClientOptions",
    "XtraConflict",
    "XtraError",
    "__version__",
]
