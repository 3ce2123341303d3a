"""XtraClient: the Pavise secrets vault with the surface of XtraSecurity's Python SDK."""

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Callable, Dict, List, Mapping, Optional, Union
from urllib.parse import quote

from ._cache import CacheEntry, SecretCache, Target
from ._clock import SYSTEM_CLOCK, SystemClock
from ._http import HttpSender, invalid_response
from ._version import __version__
from .exceptions import XtraError
from .models import Branch, Project, SecretsResult, SetSecretsResult, StaleInfo

__all__ = ["BranchesApi", "DEFAULT_API_URL", "ProjectsApi", "XtraClient", "XtraClientOptions"]

#: Pavise is self-hosted: the default is a server on this machine, never a third party's.
DEFAULT_API_URL = "http://127.0.0.1:8080/api"

#: The server accepts these short names and any case; the cache must see one name per environment.
_ENV_ALIASES = {"dev": "development", "stg": "staging", "prod": "production"}

#: Printable ASCII without spaces: what an HTTP header can carry unchanged.
_TOKEN_SHAPE = re.compile(r"[\x21-\x7e]+")

logger = logging.getLogger("xtrasecurity")


@dataclass(init=False)
class XtraClientOptions:
    """The settings of an :class:`XtraClient`, as keyword arguments. ``None`` means "from the
    environment": ``token`` from ``XTRA_TOKEN``, ``project_id`` from ``XTRA_PROJECT_ID``,
    ``api_url`` from ``XTRA_API_URL``, else ``http://127.0.0.1:8080/api``. They are read when the
    client is created."""

    #: A user PAT (``pavise_pat_...``), an access token (JWT) or a service-account key.
    token: Optional[str] = field(default=None, repr=False)
    #: The default project of every call.
    project_id: Optional[str] = None
    #: The vault API, ending in /api.
    api_url: Optional[str] = None
    #: Keep secrets in memory.
    cache: bool = True
    #: Seconds a cached read is served without asking the server.
    cache_ttl: float = 30
    #: When a read fails because the server is unreachable, times out, or answers 5xx or 429 (after
    #: the retries), serve the last good value of that read from the cache, however old, and say so
    #: (a warning on the ``xtrasecurity`` logger, and ``on_stale``).
    stale_on_error: bool = True
    #: Called with a :class:`StaleInfo` each time a stale value is served; what it raises is ignored.
    on_stale: Optional[Callable[[StaleInfo], None]] = field(default=None, repr=False)
    #: Seconds each attempt may take.
    timeout: float = 10.0
    #: Retries after a failed attempt.
    max_retries: int = 3

    def __init__(
        self,
        *,
        token: Optional[str] = None,
        project_id: Optional[str] = None,
        api_url: Optional[str] = None,
        cache: bool = True,
        cache_ttl: float = 30,
        stale_on_error: bool = True,
        on_stale: Optional[Callable[[StaleInfo], None]] = None,
        timeout: float = 10.0,
        max_retries: int = 3,
    ) -> None:
        self.token = token
        self.project_id = project_id
        self.api_url = api_url
        self.cache = cache
        self.cache_ttl = cache_ttl
        self.stale_on_error = stale_on_error
        self.on_stale = on_stale
        self.timeout = timeout
        self.max_retries = max_retries


class ProjectsApi:
    """``client.projects``: the vault's projects."""

    def __init__(self, client: "XtraClient") -> None:
        self._client = client

    def get_project(self, project_id: Optional[str] = None) -> Project:
        """The project (by default the client's project_id): its name, workspace, the caller's
        role, its environments and branches. ``GET /api/projects/<id>``."""
        project = self._client._project(project_id)
        answer: Any = self._client._http.request("GET", f"/projects/{_segment(project)}", None, f"getting project {project}", "id")
        return answer  # type: ignore[no-any-return]


class BranchesApi:
    """``client.branches``: the branches of a project. A branch is an overlay: main's secrets
    with the branch's overrides on top."""

    def __init__(self, client: "XtraClient") -> None:
        self._client = client

    def create_branch(
        self,
        project_id: Optional[str],
        name: str,
        base_env: Optional[str] = None,
        description: Optional[str] = None,
    ) -> Branch:
        """Creates the branch ``name`` in the project (``None``: the client's project_id).
        ``base_env`` ties it to one environment: reading it in another is a not-found error.
        ``POST /api/branch``."""
        project = self._client._project(project_id)
        if not isinstance(name, str) or not name.strip():
            raise XtraError(f"a branch name is required, e.g. name='feature/new-ui'; got {name!r}", "invalid-argument")
        body: Dict[str, Any] = {"projectId": project, "name": name}
        if base_env is not None:
            body["baseEnv"] = base_env
        if description is not None:
            body["description"] = description
        answer: Any = self._client._http.request("POST", "/branch", body, f"creating branch '{name}' in project {project}", "name")
        return answer  # type: ignore[no-any-return]


class XtraClient:
    """A client of the Pavise secrets vault, with the surface of XtraSecurity's SDKs:
    ``get_secrets`` with an in-memory cache, ``inject_secrets``, ``set_secrets``, ``clear_cache``,
    ``projects`` and ``branches``. Every failure is an :class:`~xtrasecurity.exceptions.XtraError`.
    One client may be shared by many threads."""

    #: The vault API the client talks to (without a trailing slash).
    api_url: str
    #: The default project of every call, if any.
    project_id: Optional[str]
    projects: ProjectsApi
    branches: BranchesApi

    def __init__(self, options: Optional[XtraClientOptions] = None) -> None:
        if options is None:
            options = XtraClientOptions()
        if not isinstance(options, XtraClientOptions):
            raise XtraError(
                f"XtraClient takes an XtraClientOptions, e.g. XtraClient(XtraClientOptions(project_id='...')); got {type(options).__name__}",
                "invalid-configuration",
            )
        token = _first_set(options.token, os.environ.get("XTRA_TOKEN"))
        if token is None:
            raise XtraError(
                "XtraClient needs a token: pass XtraClientOptions(token=...) or set XTRA_TOKEN. Create one with "
                "`pavise pat create --email <your e-mail>`, or use a service-account key.",
                "invalid-configuration",
            )
        if not _TOKEN_SHAPE.fullmatch(token):
            raise XtraError("the token (token= or XTRA_TOKEN) holds spaces or characters a header cannot carry: copy it again", "invalid-configuration")
        self.project_id = _first_set(options.project_id, os.environ.get("XTRA_PROJECT_ID"))
        api_url = _first_set(options.api_url, os.environ.get("XTRA_API_URL")) or DEFAULT_API_URL
        if not re.match(r"^https?://[^/\s]", api_url, re.IGNORECASE) or re.search(r"[\s?#]", api_url):
            raise XtraError(
                f"api_url (or XTRA_API_URL) must be an http(s) URL such as {DEFAULT_API_URL}, got {api_url!r}",
                "invalid-configuration",
            )
        self.api_url = api_url.rstrip("/")
        self._cache_ttl = _number(options.cache_ttl, "cache_ttl (seconds)", minimum=0)
        timeout = _number(options.timeout, "timeout (seconds)", minimum=0, exclusive=True)
        max_retries = options.max_retries
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise XtraError(f"max_retries must be an integer >= 0, got {max_retries!r}", "invalid-configuration")
        if options.on_stale is not None and not callable(options.on_stale):
            raise XtraError(f"on_stale must be callable, got {options.on_stale!r}", "invalid-configuration")
        self._cache_enabled = bool(options.cache)
        self._stale_on_error = bool(options.stale_on_error)
        self._on_stale = options.on_stale
        # Private: where the cache's TTL and the waits between retries take their time from.
        self._clock: SystemClock = SYSTEM_CLOCK
        self._cache = SecretCache(lambda: self._clock.monotonic())
        self._http = HttpSender(
            self.api_url,
            {
                "Accept": "application/json",
                "Authorization": f"Bearer {token}",
                "User-Agent": f"xtrasecurity-sdk/{__version__} (Python)",
                "X-Pavise-Client": f"sdk-py/{__version__}",
            },
            timeout,
            max_retries,
            lambda: self._clock,
        )
        self.projects = ProjectsApi(self)
        self.branches = BranchesApi(self)

    def __repr__(self) -> str:  # never the token
        return f"XtraClient(api_url={self.api_url!r}, project_id={self.project_id!r})"

    def get_secrets(
        self, env: str, project_id: Optional[str] = None, branch: Optional[str] = None, no_cache: bool = False
    ) -> Dict[str, str]:
        """The secrets of ``env`` (e.g. ``'production'``; ``dev``/``stg``/``prod`` are accepted) in
        ``branch`` (default ``main``) of the project (default: the client's), as a new
        ``{KEY: value}`` dict that is the caller's to change.

        Within ``cache_ttl`` seconds of the last answer for the same project, environment and
        branch, the answer comes from the cache without a request. ``no_cache=True`` asks the
        server and caches its answer. When the server cannot answer (down, a time-out, 5xx, 429
        after the retries), the last good value is returned, however old (``stale_on_error``)."""
        return self.get_secrets_with_metadata(env, project_id, branch, no_cache).secrets

    def get_secrets_with_metadata(
        self, env: str, project_id: Optional[str] = None, branch: Optional[str] = None, no_cache: bool = False
    ) -> SecretsResult:
        """``get_secrets``, and where the value came from: whether it is stale (and why), whether
        it came from the cache, and when the server sent it."""
        target = self._target(env, project_id, branch)
        if self._cache_enabled and not no_cache:
            cached = self._cache.get(target)
            if cached is not None and cached.expires_at > self._clock.monotonic():
                return SecretsResult(dict(cached.secrets), stale=False, from_cache=True, fetched_at=_utc(cached.fetched_at))

        def read() -> CacheEntry:
            what = f"reading {_describe(target)}"
            answer = self._http.request("GET", f"{_secrets_path(target)}?branch={_segment(target.branch)}", None, what)
            if not all(isinstance(value, str) for value in answer.values()):
                raise invalid_response(what, "an object of string values")
            return CacheEntry(MappingProxyType(answer), self._clock.time(), self._clock.monotonic() + self._cache_ttl)

        hit = False
        try:
            if not self._cache_enabled:
                entry = read()
            elif no_cache:
                entry = self._cache.store_after(target, read)
            else:
                entry, hit = self._cache.share(target, read)
        except XtraError as error:
            last = self._cache.get(target)
            if not self._stale_on_error or last is None or not _served_stale_after(error):
                raise
            info = StaleInfo(target.project_id, target.env, target.branch, _utc(last.fetched_at), error)
            logger.warning(
                "serving the %s secrets of project %s (branch %s) as fetched at %s: %s",
                target.env,
                target.project_id,
                target.branch,
                info.fetched_at.isoformat(),
                error.message,
            )
            if self._on_stale is not None:
                try:
                    self._on_stale(info)
                except Exception:  # an observer's failure must not take the secrets away
                    logger.exception("on_stale raised")
            return SecretsResult(dict(last.secrets), stale=True, from_cache=True, fetched_at=info.fetched_at, error=error)
        return SecretsResult(dict(entry.secrets), stale=False, from_cache=hit, fetched_at=_utc(entry.fetched_at))

    def inject_secrets(
        self,
        env: str,
        project_id: Optional[str] = None,
        branch: Optional[str] = None,
        override: bool = False,
        no_cache: bool = False,
    ) -> List[str]:
        """Reads the secrets of ``env`` (as ``get_secrets``, so through the cache) and copies them
        into ``os.environ``: only variables that are unset, unless ``override``. Returns the names
        it set."""
        secrets = self.get_secrets(env, project_id, branch, no_cache)
        injected = [name for name in secrets if override or name not in os.environ]
        for name in injected:
            try:
                os.environ[name] = secrets[name]
            except (ValueError, OSError) as error:
                raise XtraError(f"cannot set {name} in os.environ: {error}. Rename the secret or fix its value", "invalid-argument") from error
        return injected

    def clear_cache(self) -> None:
        """Forgets every cached read (stale-on-error has nothing to serve until the next answer)."""
        self._cache.invalidate()

    def set_secrets(
        self,
        secrets: Mapping[str, str],
        env: str,
        project_id: Optional[str] = None,
        branch: Optional[str] = None,
        expected_versions: Optional[Mapping[str, Union[int, str]]] = None,
    ) -> SetSecretsResult:
        """Writes ``secrets`` to ``env`` (default branch ``main``) in one transaction, and returns
        ``{"count": n, "versions": {KEY: new version}}``. With ``expected_versions`` (each key's
        current version as seen through the branch; 0 = must not exist yet), a key whose version
        differs fails the whole write with an XtraError of code ``conflict`` listing ``conflicts``,
        and nothing is written. Drops the cached reads it affects (a write to main: every branch
        of that environment)."""
        target = self._target(env, project_id, branch)
        if not isinstance(secrets, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()):
            raise XtraError("secrets must be a dict of names to string values, e.g. {'API_KEY': '...'}", "invalid-argument")
        body: Dict[str, Any] = {"secrets": dict(secrets), "branch": target.branch}
        if expected_versions is not None:
            if not isinstance(expected_versions, Mapping) or not all(
                isinstance(k, str) and isinstance(v, (int, str)) and not isinstance(v, bool) for k, v in expected_versions.items()
            ):
                raise XtraError("expected_versions must be a dict of names to versions, e.g. {'API_KEY': 3}", "invalid-argument")
            body["expectedVersions"] = dict(expected_versions)
        try:
            answer = self._http.request("POST", _secrets_path(target), body, f"writing {_describe(target)}", "count")
        finally:
            # Whatever happened (even a conflict or a lost answer), the cached values may be out
            # of date. A write to main shows through every branch of that environment.
            self._cache.invalidate(target.project_id, target.env, None if target.branch == "main" else target.branch)
        versions = answer.get("versions")
        return {"count": answer["count"], "versions": dict(versions) if isinstance(versions, dict) else {}}

    def _project(self, project_id: Optional[str]) -> str:
        project = self.project_id if project_id is None else project_id
        if not isinstance(project, str) or not project.strip():
            raise XtraError(
                "no project: pass project_id= to the call or to XtraClientOptions, or set XTRA_PROJECT_ID",
                "invalid-configuration",
            )
        return project

    def _target(self, env: str, project_id: Optional[str], branch: Optional[str]) -> Target:
        project = self._project(project_id)
        if not isinstance(env, str) or not env.strip():
            raise XtraError(f"an environment is required, e.g. 'production'; got {env!r}", "invalid-argument")
        if branch is not None and not isinstance(branch, str):
            raise XtraError(f"branch must be a name such as 'feature/new-ui'; got {branch!r}", "invalid-argument")
        name = env.lower()
        return Target(project, _ENV_ALIASES.get(name, name), branch or "main")


def _first_set(*values: Optional[str]) -> Optional[str]:
    """The first value that is set and not blank, stripped."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _number(value: Any, name: str, minimum: float, exclusive: bool = False) -> float:
    valid = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and value != float("inf")
    if not valid or value < minimum or (exclusive and value == minimum):
        raise XtraError(f"{name} must be a number {'>' if exclusive else '>='} {minimum:g}, got {value!r}", "invalid-configuration")
    return float(value)


def _served_stale_after(error: XtraError) -> bool:
    """Failures after which the last good value is served: the server could not answer, rather
    than said no."""
    return error.code in ("network-error", "timeout") or (error.status is not None and (error.status == 429 or error.status >= 500))


def _segment(value: str) -> str:
    return quote(value, safe="")


def _secrets_path(target: Target) -> str:
    return f"/projects/{_segment(target.project_id)}/envs/{_segment(target.env)}/secrets"


def _describe(target: Target) -> str:
    return f"the {target.env} secrets of project {target.project_id} (branch {target.branch})"


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)
