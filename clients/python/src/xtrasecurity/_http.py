"""Sending one request to the vault API: JSON in and out, retries, and an XtraError for every
failure, whose message says what to do."""

import http.client
import json
import random
import re
import socket
import time
import urllib.error
import urllib.request
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ._clock import SystemClock
from .exceptions import XtraConflict, XtraError

__all__ = ["HttpSender", "MAX_RETRY_AFTER_SECONDS", "backoff_seconds", "retry_after_seconds"]

#: The first retry waits about this long (seconds); each further one twice as long, up to the cap.
BASE_DELAY_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 8.0
#: A server asking for a longer pause than this gets a ``rate-limited`` error instead of a silent wait.
MAX_RETRY_AFTER_SECONDS = 60.0
#: The longest error body quoted in a message.
_QUOTED = 200
#: The largest answer read (the vault's answers are far smaller).
_MAX_BODY = 64 * 1024 * 1024

_SERVER_FAILED = ("http-error", "The server failed: check its logs, and try again later")

#: The code and the advice of each status the vault answers with.
_STATUS_ADVICE: Dict[int, Tuple[str, str]] = {
    400: ("bad-request", "Correct the request"),
    401: (
        "unauthorized",
        "The token is invalid, expired or revoked: create one with `pavise pat create --email <you>` "
        "and pass it as token= or XTRA_TOKEN",
    ),
    403: ("forbidden", "The token is valid but may not do this: ask an owner or admin of the project for access"),
    404: ("not-found", "Check the name, or create it first"),
    409: ("conflict", "Nothing was written: read the current state and try again"),
    429: ("rate-limited", "Keep the cache on (a longer cache_ttl) to send fewer requests, or try again later"),
    503: ("unavailable", _SERVER_FAILED[1]),
}

# The answer for a path no route serves ("Route GET /x not found"): the URL is wrong, not the project.
_NO_ROUTE = re.compile(r"^Route [A-Z]+[: ]\S* not found$")


def backoff_seconds(attempt: int) -> float:
    """"Full jitter" exponential backoff: a random delay between 0 and base x 2^attempt (capped),
    so clients that failed together do not retry together."""
    return random.uniform(0.0, min(MAX_BACKOFF_SECONDS, BASE_DELAY_SECONDS * 2**attempt))


def retry_after_seconds(header: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if header is None or not header.strip():
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if date is None or date.tzinfo is None:
        return None
    return max(0.0, date.timestamp() - (time.time() if now is None else now))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is reported, not followed: following it would send the token to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _root_cause(error: BaseException) -> BaseException:
    reason = getattr(error, "reason", None)
    return reason if isinstance(reason, BaseException) else error


def _timed_out(error: BaseException) -> bool:
    return isinstance(_root_cause(error), (socket.timeout, TimeoutError))


def never_reached_server(error: BaseException) -> bool:
    """Whether a failed request certainly never reached the server: the connection was refused or
    the host not found. Only then may a write be sent again."""
    return isinstance(_root_cause(error), (ConnectionRefusedError, socket.gaierror))


class _Answer:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: Message, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class HttpSender:
    """Sends requests to ``api_url`` with the client's headers, time limit and retries."""

    def __init__(
        self, api_url: str, headers: Dict[str, str], timeout: float, max_retries: int, clock: Callable[[], SystemClock]
    ) -> None:
        self.api_url = api_url
        #: The client's clock (read on each use), for the waits between retries.
        self._clock = clock
        self._headers = headers
        self._timeout = timeout
        self._max_retries = max_retries
        # The default handlers (proxies from the environment, HTTPS), without redirects.
        self._opener = urllib.request.build_opener(_NoRedirects())

    def request(
        self, method: str, path: str, body: Optional[Mapping[str, Any]], what: str, field: Optional[str] = None
    ) -> Dict[str, Any]:
        """Sends a request and returns its JSON object (with ``field``, when given), or raises an
        XtraError. 429 and 503 wait as Retry-After says (or back off); network failures and other
        5xx back off exponentially with jitter - up to max_retries. A write is sent again only when
        it certainly did not run (connection refused, 429, 503)."""
        repeatable = method == "GET"
        headers = dict(self._headers)
        data: Optional[bytes] = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            attempt += 1
            answer: Optional[_Answer] = None
            failure: Optional[BaseException] = None
            try:
                answer = self._send(method, path, headers, data)
            except (OSError, http.client.HTTPException, ValueError) as error:
                # OSError covers URLError, refused and reset connections and timeouts;
                # HTTPException a malformed or cut-off answer.
                failure = error
            delay = self._retry_delay(attempt, answer, failure, repeatable)
            if delay is not None:
                self._clock().sleep(delay)
                continue
            if failure is not None:
                raise self._unreachable(what, failure, attempt, repeatable) from failure
            assert answer is not None
            try:
                parsed: Any = json.loads(answer.body.decode("utf-8"))
            except ValueError:  # also UnicodeDecodeError
                parsed = None
            if not 200 <= answer.status < 300:
                raise self._http_error(answer, parsed, what, attempt)
            if not isinstance(parsed, dict) or (field is not None and field not in parsed):
                expected = f"a JSON object with {field}" if field else "a JSON object"
                raise invalid_response(what, expected)
            return parsed

    def _send(self, method: str, path: str, headers: Dict[str, str], data: Optional[bytes]) -> _Answer:
        request = urllib.request.Request(self.api_url + path, data=data, headers=headers, method=method)
        deadline = time.monotonic() + self._timeout
        try:
            response = self._opener.open(request, timeout=self._timeout)
        except urllib.error.HTTPError as error:
            # An answer with a status that is not 2xx (or a redirect): still an answer.
            response = error
        with response:
            # The socket's time limit applies to each read; this one to the whole body, so a body
            # that trickles in counts as a failed attempt too.
            chunks: List[bytes] = []
            size = 0
            while True:
                chunk = response.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > _MAX_BODY:
                    raise http.client.HTTPException(f"the answer is larger than {_MAX_BODY} bytes")
                if time.monotonic() > deadline:
                    raise socket.timeout("the answer took too long")
            status = getattr(response, "status", None) or getattr(response, "code", None) or 0
            return _Answer(int(status), response.headers, b"".join(chunks))

    def _retry_delay(
        self, attempt: int, answer: Optional[_Answer], failure: Optional[BaseException], repeatable: bool
    ) -> Optional[float]:
        """How long to wait before retrying, or None when the attempt must not be retried."""
        if attempt > self._max_retries:
            return None
        if failure is not None:
            if isinstance(failure, ValueError) and not isinstance(failure, OSError):
                return None  # a request urllib refused to send (a bad URL): retrying cannot help
            return backoff_seconds(attempt - 1) if repeatable or never_reached_server(failure) else None
        assert answer is not None
        if answer.status in (429, 503):
            asked = retry_after_seconds(answer.headers.get("Retry-After"), self._clock().time())
            if asked is not None and asked > MAX_RETRY_AFTER_SECONDS:
                return None
            return asked if asked is not None else backoff_seconds(attempt - 1)
        return backoff_seconds(attempt - 1) if answer.status >= 500 and repeatable else None

    def _http_error(self, answer: _Answer, parsed: Any, what: str, attempts: int) -> XtraError:
        status = answer.status
        code, advice = _STATUS_ADVICE.get(status) or (_SERVER_FAILED if status >= 500 else ("http-error", "Check the request"))
        said = ""
        if isinstance(parsed, dict):
            # The vault's own {error: sentence}; the auth service's {error: reason, message}.
            for name in ("message", "error"):
                if isinstance(parsed.get(name), str) and parsed[name]:
                    said = parsed[name]
                    break
        if not said:
            said = answer.body.decode("utf-8", "replace").strip()[:_QUOTED] or "no explanation"
        if 300 <= status < 400:
            location = answer.headers.get("Location") or "(no Location)"
            said = f"a redirect to {location}"
            advice = f"Point api_url (or XTRA_API_URL) at the address that answers: it ends in /api (now {self.api_url})"
        elif status == 404 and _NO_ROUTE.match(said):
            advice = f"Is api_url ({self.api_url}) right? It ends in /api"
        conflicts: Optional[List[XtraConflict]] = None
        if status == 409:
            conflicts = _conflicts(parsed)
            if conflicts:
                said += " (" + "; ".join(f"{c.key}: expected version {c.expected}, found {c.actual}" for c in conflicts) + ")"
        if status == 429:
            said += f" (Retry-After: {answer.headers.get('Retry-After') or 'none'})"
        if attempts > 1:
            said += f" ({attempts} attempts)"
        return XtraError(f"{what} failed: HTTP {status}: {said}. {advice}.", code, status=status, conflicts=conflicts)

    def _unreachable(self, what: str, failure: BaseException, attempts: int, repeatable: bool) -> XtraError:
        timed_out = _timed_out(failure)
        cause = _root_cause(failure)
        if timed_out:
            detail = f"no answer within {self._timeout:g} s"
        elif isinstance(cause, ConnectionRefusedError):
            detail = "connection refused"
        elif isinstance(cause, socket.gaierror):
            detail = f"unknown host: {cause}"
        else:
            detail = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
        if isinstance(failure, ValueError) and not isinstance(failure, OSError):
            return XtraError(
                f"{what} failed: the request cannot be sent ({detail}). Check api_url / XTRA_API_URL ({self.api_url}).",
                "invalid-configuration",
            )
        message = (
            f"{what} failed: cannot reach {self.api_url}: is the Pavise server running? "
            f"({detail}; {attempts} attempt{'s' if attempts > 1 else ''}) Start it with `pavise serve`, "
            f"or point api_url / XTRA_API_URL at it{', or raise timeout' if timed_out else ''}."
        )
        if not repeatable and not never_reached_server(failure):
            message += " The write may have happened: read before writing again."
        return XtraError(message, "timeout" if timed_out else "network-error")


def _conflicts(parsed: Any) -> List[XtraConflict]:
    items = parsed.get("conflicts") if isinstance(parsed, dict) else None
    conflicts: List[XtraConflict] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            conflicts.append(XtraConflict(key=item["key"], expected=_int(item.get("expected")), actual=_int(item.get("actual"))))
    return conflicts


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def invalid_response(what: str, expected: str) -> XtraError:
    return XtraError(
        f"{what} failed: the server's answer is not {expected}. Is api_url a Pavise API URL, ending in /api?",
        "invalid-response",
    )
