"""What the tests share: the server they run against (from the environment), a direct client of
its API (not the SDK under test), and a fault-injecting proxy to put in front of it.

The tests need a running Pavise server. `node --test packages/server/dist/test/python-sdk.test.js`
(after `npm run build`) starts one and runs them with:

- XTRA_API_URL, XTRA_TOKEN: the server's /api and its bootstrap owner's PAT;
- PAVISE_TEST_LIMITED_API_URL, PAVISE_TEST_LIMITED_TOKEN: a second server that allows two vault
  requests a second (for 429 and Retry-After);
- PAVISE_TEST_LIMITED_CLOCK_URL: the control of that server's clock (a test clock, which stands
  still until moved: `POST /advance {"ms": n}`), so its rate-limit windows pass when a test moves
  it, not by waiting;
- XTRA_SDK_EXPECT_PATH (optional): the directory the xtrasecurity package must be imported from
  (the source tree, or where the wheel was installed).
"""

import contextlib
import importlib.util
import io
import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "src"))
if importlib.util.find_spec("xtrasecurity") is None:
    sys.path.insert(0, SRC)

import xtrasecurity  # noqa: E402

_missing = [
    name
    for name in ("XTRA_API_URL", "XTRA_TOKEN", "PAVISE_TEST_LIMITED_API_URL", "PAVISE_TEST_LIMITED_TOKEN", "PAVISE_TEST_LIMITED_CLOCK_URL")
    if not os.environ.get(name)
]
if _missing:
    raise RuntimeError(
        f"these tests run against a Pavise server and need {', '.join(_missing)}: run them with "
        "`npm run build && node --test packages/server/dist/test/python-sdk.test.js`, which starts the servers"
    )

API_URL = os.environ["XTRA_API_URL"].rstrip("/")
TOKEN = os.environ["XTRA_TOKEN"]
SERVER_URL = API_URL[: -len("/api")] if API_URL.endswith("/api") else API_URL
LIMITED_API_URL = os.environ["PAVISE_TEST_LIMITED_API_URL"].rstrip("/")
LIMITED_TOKEN = os.environ["PAVISE_TEST_LIMITED_TOKEN"]
LIMITED_CLOCK_URL = os.environ["PAVISE_TEST_LIMITED_CLOCK_URL"].rstrip("/")

#: The environment variables of the SDK, to clear or set per test.
XTRA_VARIABLES = ("XTRA_TOKEN", "XTRA_PROJECT_ID", "XTRA_API_URL")

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(method: str, url: str, body: Optional[Any] = None, token: Optional[str] = TOKEN) -> Tuple[int, Any]:
    """One request straight to a server (not through the SDK): (status, parsed JSON body)."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _direct.open(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw.decode() or "null")
    except ValueError:
        return status, raw.decode(errors="replace")


def advance_limited_clock(seconds: float) -> None:
    """Moves the rate-limited server's clock by ``seconds``."""
    status, answer = call("POST", f"{LIMITED_CLOCK_URL}/advance", {"ms": seconds * 1000}, token=None)
    assert status == 200, answer


def admin(method: str, path: str, body: Optional[Any] = None, api_url: str = API_URL, token: str = TOKEN, expect: int = 200) -> Any:
    """A request to the vault API as the owner; asserts the status. The rate-limited server's
    429 is waited out by moving its clock as far as Retry-After says."""
    status, answer = call(method, api_url + path, body, token)
    for _ in range(20):
        if status != 429 or api_url != LIMITED_API_URL:
            break
        advance_limited_clock(float(answer.get("retryAfter", 1)) if isinstance(answer, dict) else 1)
        status, answer = call(method, api_url + path, body, token)
    if status != expect:
        raise AssertionError(f"{method} {path}: expected {expect}, got {status}: {answer}")
    return answer


def create_project(name: str, api_url: str = API_URL, token: str = TOKEN) -> str:
    return str(admin("POST", "/project", {"name": f"{name} {uuid.uuid4().hex[:8]}"}, api_url, token, expect=201)["id"])


def write(project: str, env: str, secrets: Mapping[str, str], branch: Optional[str] = None, api_url: str = API_URL, token: str = TOKEN) -> None:
    body: Dict[str, Any] = {"secrets": dict(secrets)}
    if branch:
        body["branch"] = branch
    admin("POST", f"/projects/{project}/envs/{env}/secrets", body, api_url, token)


def read(project: str, env: str, branch: str = "main") -> Dict[str, str]:
    return dict(admin("GET", f"/projects/{project}/envs/{env}/secrets?branch={urllib.parse.quote(branch, safe='')}"))


def create_branch(project: str, name: str, base_env: Optional[str] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"projectId": project, "name": name}
    if base_env:
        body["baseEnv"] = base_env
    return dict(admin("POST", "/branch", body, expect=201))


def list_branches(project: str) -> List[Dict[str, Any]]:
    return list(admin("GET", f"/branch?projectId={project}"))


def new_pat() -> Tuple[str, str, str]:
    """A new PAT of the owner: (pat, its id, an access token that can revoke it)."""
    status, answer = call("POST", f"{SERVER_URL}/v1/signin/pat", {"personalAccessToken": TOKEN}, token=None)
    assert status == 200, answer
    access = answer["session"]["accessToken"]
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    status, created = call("POST", f"{SERVER_URL}/v1/pat", {"expiresAt": expires}, token=access)
    assert status < 300, created
    return created["personalAccessToken"], created["id"], access


def revoke_pat(pat_id: str, access_token: str) -> None:
    status, answer = call("DELETE", f"{SERVER_URL}/v1/pat/{pat_id}", token=access_token)
    assert status < 300, answer


def closed_port() -> int:
    """A port of this host that nothing listens on: one the system just handed out and took back."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return int(listener.getsockname()[1])


@contextlib.contextmanager
def environment(**values: Optional[str]) -> Iterator[None]:
    """Sets (or, with None, removes) environment variables, and puts every variable back after."""
    saved = dict(os.environ)
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def capture_stdout(code: str, namespace: Dict[str, Any], name: str) -> str:
    """Runs Python source in `namespace` and returns what it printed."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, name, "exec"), namespace)
    return output.getvalue()


class FakeClock:
    """A client's time that stands still until the test moves it: set it as ``client._clock``.
    A wait the client asks for (a retry's back-off, Retry-After) passes at once and moves the clock
    by as long as it asked for; with ``limited_server``, the rate-limited server's clock moves with
    it, so that server sees the time pass too."""

    def __init__(self, limited_server: bool = False) -> None:
        self._lock = threading.Lock()
        self._elapsed = 0.0
        self._start = time.time()
        self._limited_server = limited_server
        #: Every wait the client asked for, in seconds, in order.
        self.sleeps: List[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return 1_000_000.0 + self._elapsed

    def time(self) -> float:
        with self._lock:
            return self._start + self._elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Moves the time by ``seconds`` (the rate-limited server's too, with limited_server)."""
        with self._lock:
            self._elapsed += seconds
        if self._limited_server:
            advance_limited_clock(seconds)


class Sent:
    """One request that went through a FaultProxy."""

    def __init__(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        self.method = method
        self.path = path
        self.headers = dict(headers)
        self.at = time.monotonic()
        self.status: Optional[int] = None
        self.retry_after: Optional[str] = None


class FaultProxy:
    """A reverse proxy in front of a real server, which records every request and can misbehave:
    answer with a scripted status, hang (never answer), or go away (close its port).

    api_url: the proxy's /api, for a client under test.
    """

    def __init__(self, upstream: str = SERVER_URL) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests: List[Sent] = []
        self.script: List[Tuple[int, Dict[str, str], bytes]] = []
        self.hanging = False
        #: Gates for the next GETs: each is forwarded, then its answer is held until its gate opens.
        self._holds: List[Tuple[threading.Event, threading.Event]] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                sent = Sent(self.command, self.path, dict(self.headers.items()))
                with proxy._lock:
                    proxy.requests.append(sent)
                    scripted = proxy.script.pop(0) if proxy.script else None
                    hanging = proxy.hanging
                    hold = proxy._holds.pop(0) if proxy._holds and self.command == "GET" and scripted is None else None
                if hanging:
                    proxy._release.wait(30)
                    self.close_connection = True
                    return
                if scripted is not None:
                    status, headers, payload = scripted
                else:
                    status, headers, payload = proxy._forward(self.command, self.path, dict(self.headers), body)
                if hold is not None:
                    held, gate = hold
                    held.set()
                    gate.wait(30)
                sent.status = status
                sent.retry_after = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True

            do_GET = do_POST = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        self.closed = False

    def _forward(self, method: str, path: str, headers: Dict[str, str], body: Optional[bytes]) -> Tuple[int, Dict[str, str], bytes]:
        headers = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection", "content-length")}
        request = urllib.request.Request(self.upstream + path, data=body, headers=headers, method=method)
        try:
            with _direct.open(request, timeout=30) as response:
                status, answer_headers, payload = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, payload = error.code, error.headers, error.read()
        kept = {k: v for k, v in answer_headers.items() if k.lower() in ("content-type", "retry-after", "location") or k.lower().startswith("x-ratelimit")}
        return status, kept, payload

    def respond(self, status: int, body: Any = None, headers: Optional[Dict[str, str]] = None, times: int = 1) -> None:
        """The next `times` requests get this answer instead of the server's."""
        payload = body if isinstance(body, bytes) else json.dumps(body if body is not None else {"error": f"injected {status}"}).encode()
        answer_headers = {"Content-Type": "application/json", **(headers or {})}
        with self._lock:
            self.script.extend([(status, answer_headers, payload)] * times)

    def hold_next_read(self) -> Tuple[threading.Event, threading.Event]:
        """The next GET is sent to the server, but its answer is held back: returns (held, gate):
        `held` is set once the server has answered; the answer goes out when `gate` is set."""
        hold = (threading.Event(), threading.Event())
        with self._lock:
            self._holds.append(hold)
        return hold

    def hang(self) -> None:
        """Requests from now on get no answer (until release or close)."""
        with self._lock:
            self.hanging = True
            self._release.clear()

    def release(self) -> None:
        with self._lock:
            self.hanging = False
        self._release.set()

    def close(self) -> None:
        """Goes away: the port is closed, connections are refused."""
        if not self.closed:
            self.closed = True
            self.release()
            with self._lock:
                for _, gate in self._holds:
                    gate.set()
            self._server.shutdown()
            self._server.server_close()

    @property
    def reads(self) -> int:
        """GETs of a secrets map, the reads the cache is meant to save."""
        with self._lock:
            return sum(1 for r in self.requests if r.method == "GET" and r.path.split("?")[0].endswith("/secrets"))


class ServerTestCase(unittest.TestCase):
    """A test case with a proxy in front of the server, closed after each test."""

    def setUp(self) -> None:
        self.proxy = FaultProxy()
        self.addCleanup(self.proxy.close)

    def client(self, project_id: Optional[str] = None, clock: Optional[FakeClock] = None, **options: Any) -> xtrasecurity.XtraClient:
        """A client of the server through the proxy (unless api_url is given), on ``clock`` when given."""
        settings: Dict[str, Any] = {"token": TOKEN, "api_url": self.proxy.api_url, "project_id": project_id}
        settings.update(options)
        client = xtrasecurity.XtraClient(xtrasecurity.XtraClientOptions(**settings))
        if clock is not None:
            client._clock = clock
        return client

    def assertXtraError(self, call: Any, *args: Any, **kwargs: Any) -> xtrasecurity.XtraError:
        with self.assertRaises(xtrasecurity.XtraError) as caught:
            call(*args, **kwargs)
        error = caught.exception
        self.assertIsInstance(error.message, str)
        self.assertEqual(str(error), error.message)
        return error


def assert_imported_from_expected_place(case: unittest.TestCase) -> None:
    expected = os.environ.get("XTRA_SDK_EXPECT_PATH")
    if expected:
        location = os.path.realpath(xtrasecurity.__file__)
        case.assertTrue(location.startswith(os.path.realpath(expected) + os.sep), f"xtrasecurity was imported from {location}, not from {expected}")
