"""Every failure is an XtraError whose message says what happened and what to do."""

import pickle
import unittest

from _support import SERVER_URL, TOKEN, ServerTestCase, admin, closed_port, create_branch, create_project, environment, read, write

from xtrasecurity import XtraClient, XtraClientOptions, XtraConflict, XtraError
from xtrasecurity.exceptions import XtraError as ExceptionsXtraError

UNKNOWN = "00000000-0000-4000-8000-000000000000"


class ConfigurationErrorsTest(unittest.TestCase):
    def invalid(self, **options: object) -> XtraError:
        with self.assertRaises(XtraError) as caught:
            XtraClient(XtraClientOptions(**options))  # type: ignore[arg-type]
        self.assertEqual(caught.exception.code, "invalid-configuration")
        return caught.exception

    def test_the_one_exception_class(self) -> None:
        self.assertIs(ExceptionsXtraError, XtraError)
        self.assertTrue(issubclass(XtraError, Exception))

    def test_a_missing_token(self) -> None:
        with environment(XTRA_TOKEN=None):
            error = self.invalid()
            self.assertIn("pass XtraClientOptions(token=...) or set XTRA_TOKEN", error.message)
            self.assertIn("`pavise pat create --email <your e-mail>`", error.message)
            self.assertEqual(self.invalid(token="  ").message, error.message, "blank is missing")
            with self.assertRaises(XtraError):
                XtraClient()

    def test_a_token_a_header_cannot_carry(self) -> None:
        self.assertIn("copy it again", self.invalid(token="pavise_pat_a b").message)
        self.assertIn("copy it again", self.invalid(token="pavise_pat_\u00e9").message)

    def test_bad_settings(self) -> None:
        self.assertIn("api_url (or XTRA_API_URL) must be an http(s) URL such as http://127.0.0.1:8080/api", self.invalid(token="t", api_url="ftp://example").message)
        with environment(XTRA_API_URL="localhost:8080/api"):
            self.assertIn("'localhost:8080/api'", self.invalid(token="t").message)
        self.assertIn("cache_ttl (seconds) must be a number >= 0, got -1", self.invalid(token="t", cache_ttl=-1).message)
        self.assertIn("got '30'", self.invalid(token="t", cache_ttl="30").message)
        self.assertIn("timeout (seconds) must be a number > 0", self.invalid(token="t", timeout=0).message)
        self.assertIn("max_retries must be an integer >= 0, got 1.5", self.invalid(token="t", max_retries=1.5).message)
        self.assertIn("on_stale must be callable", self.invalid(token="t", on_stale="print").message)
        with self.assertRaises(XtraError) as caught:
            XtraClient({"token": "t"})  # type: ignore[arg-type]
        self.assertIn("XtraClient(XtraClientOptions(project_id='...'))", caught.exception.message)

    def test_bad_arguments(self) -> None:
        with environment(XTRA_PROJECT_ID=None):
            client = XtraClient(XtraClientOptions(token="t", api_url=f"http://127.0.0.1:{closed_port()}/api"))
            for call in (lambda: client.get_secrets("production"), lambda: client.projects.get_project(), lambda: client.set_secrets({}, "production")):
                with self.assertRaises(XtraError) as caught:
                    call()
                self.assertEqual(caught.exception.code, "invalid-configuration")
                self.assertIn("pass project_id= to the call or to XtraClientOptions, or set XTRA_PROJECT_ID", caught.exception.message)
        client = XtraClient(XtraClientOptions(token="t", project_id="p", api_url=f"http://127.0.0.1:{closed_port()}/api"))
        cases = [
            (lambda: client.get_secrets(""), "an environment is required, e.g. 'production'"),
            (lambda: client.get_secrets(None), "an environment is required"),  # type: ignore[arg-type]
            (lambda: client.get_secrets("production", branch=3), "branch must be a name"),  # type: ignore[arg-type]
            (lambda: client.set_secrets({"A": 1}, "production"), "secrets must be a dict of names to string values"),  # type: ignore[dict-item]
            (lambda: client.set_secrets({"A": "1"}, "production", expected_versions={"A": 1.5}), "expected_versions must be a dict"),  # type: ignore[dict-item]
            (lambda: client.branches.create_branch("p", name=""), "a branch name is required"),
            (lambda: client.get_secrets("production", project_id=""), "no project"),
        ]
        for call, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(XtraError) as caught:
                    call()
                self.assertIn(message, caught.exception.message)

    def test_xtra_error_carries_its_details_and_pickles(self) -> None:
        error = XtraError("writing failed", "conflict", status=409, conflicts=[XtraConflict("A", 0, 1)])
        self.assertEqual(str(error), "writing failed")
        copy = pickle.loads(pickle.dumps(error))
        self.assertEqual((copy.message, copy.code, copy.status, copy.conflicts), ("writing failed", "conflict", 409, [XtraConflict("A", 0, 1)]))
        self.assertIn("status=409", repr(error))


class ServerErrorsTest(ServerTestCase):
    project: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.project = create_project("errors")
        write(cls.project, "development", {"DATABASE_URL": "postgres://db/dev"})

    def test_a_bad_token(self) -> None:
        client = self.client(self.project, token="pavise_pat_not-a-real-token")
        calls = {
            "get_secrets": lambda: client.get_secrets("development"),
            "inject_secrets": lambda: client.inject_secrets("development"),
            "set_secrets": lambda: client.set_secrets({"A": "1"}, "development"),
            "get_project": lambda: client.projects.get_project(),
            "create_branch": lambda: client.branches.create_branch(self.project, name="x"),
        }
        for name, call in calls.items():
            with self.subTest(name):
                error = self.assertXtraError(call)
                self.assertEqual((error.code, error.status), ("unauthorized", 401))
                self.assertIn("invalid, expired or revoked", error.message)
                self.assertIn("create one with `pavise pat create --email <you>` and pass it as token= or XTRA_TOKEN", error.message)

    def test_an_unknown_project(self) -> None:
        client = self.client(UNKNOWN)
        calls = {
            "get_secrets": lambda: client.get_secrets("development"),
            "set_secrets": lambda: client.set_secrets({"A": "1"}, "development"),
            "get_project": lambda: client.projects.get_project(),
            "create_branch": lambda: client.branches.create_branch(UNKNOWN, name="x"),
        }
        for name, call in calls.items():
            with self.subTest(name):
                error = self.assertXtraError(call)
                self.assertEqual((error.code, error.status), ("not-found", 404))
                self.assertIn(f"Project {UNKNOWN} not found", error.message)
                self.assertIn("Check the name, or create it first.", error.message)
        self.assertEqual(
            self.assertXtraError(client.get_secrets, "development").message,
            f"reading the development secrets of project {UNKNOWN} (branch main) failed: HTTP 404: Project {UNKNOWN} not found. Check the name, or create it first.",
        )

    def test_an_unknown_branch(self) -> None:
        error = self.assertXtraError(self.client(self.project).get_secrets, "development", branch="nope")
        self.assertEqual((error.code, error.status), ("not-found", 404))
        self.assertIn("Branch 'nope' not found", error.message)

    def test_a_branch_of_another_environment(self) -> None:
        create_branch(self.project, "prod-only", base_env="production")
        error = self.assertXtraError(self.client(self.project).get_secrets, "development", branch="prod-only")
        self.assertEqual(error.code, "not-found")

    def test_an_api_url_without_api(self) -> None:
        error = self.assertXtraError(self.client(self.project, api_url=SERVER_URL).get_secrets, "development")
        self.assertEqual(error.code, "not-found")
        self.assertRegex(error.message, r"Is api_url \(http://127\.0\.0\.1:\d+\) right\? It ends in /api")

    def test_the_server_is_down(self) -> None:
        down = f"http://127.0.0.1:{closed_port()}/api"
        client = self.client(self.project, api_url=down, max_retries=1)
        error = self.assertXtraError(client.get_secrets, "development")
        self.assertEqual((error.code, error.status), ("network-error", None))
        self.assertEqual(
            error.message,
            f"reading the development secrets of project {self.project} (branch main) failed: cannot reach {down}: is the Pavise "
            "server running? (connection refused; 2 attempts) Start it with `pavise serve`, or point api_url / XTRA_API_URL at it.",
        )
        self.assertIsNotNone(error.__cause__, "the underlying exception is chained")
        for call in (lambda: client.projects.get_project(), lambda: client.branches.create_branch(self.project, name="x")):
            self.assertEqual(self.assertXtraError(call).code, "network-error")

    def test_a_timeout(self) -> None:
        self.proxy.hang()
        error = self.assertXtraError(self.client(self.project, timeout=0.2, max_retries=1).get_secrets, "development")
        self.assertEqual(error.code, "timeout")
        self.assertIn("(no answer within 0.2 s; 2 attempts)", error.message)
        self.assertIn("or raise timeout.", error.message)

    def test_an_invalid_answer(self) -> None:
        client = self.client(self.project, max_retries=0)
        answers = [
            (200, b"<html>sign in</html>", "a JSON object"),
            (200, b"[1, 2]", "a JSON object"),
            (200, b'{"A": 1}', "an object of string values"),
        ]
        for status, body, expected in answers:
            with self.subTest(body=body):
                self.proxy.respond(status, body)
                error = self.assertXtraError(client.get_secrets, "development", no_cache=True)
                self.assertEqual(error.code, "invalid-response")
                self.assertIn(f"the server's answer is not {expected}. Is api_url a Pavise API URL, ending in /api?", error.message)
        self.proxy.respond(201, b'{"name": "x"}')
        self.assertIn("a JSON object with id", self.assertXtraError(client.projects.get_project).message)
        self.proxy.respond(502, b"<html>Bad Gateway</html>")
        self.assertIn("HTTP 502: <html>Bad Gateway</html>. The server failed", self.assertXtraError(client.get_secrets, "development", no_cache=True).message)

    def test_a_redirect_is_reported_not_followed(self) -> None:
        client = self.client(self.project)
        self.proxy.respond(302, b"", {"Location": "http://elsewhere.example/api/projects"})
        error = self.assertXtraError(client.get_secrets, "development")
        self.assertEqual((error.code, error.status), ("http-error", 302))
        self.assertIn("a redirect to http://elsewhere.example/api/projects", error.message)
        self.assertEqual(len(self.proxy.requests), 1, "the token went nowhere else")

    def test_a_conflict_lists_the_keys_and_writes_nothing(self) -> None:
        client = self.client(self.project)
        self.assertEqual(client.set_secrets({"CAS_KEY": "v1"}, "cas", expected_versions={"CAS_KEY": 0}), {"count": 1, "versions": {"CAS_KEY": 1}})
        error = self.assertXtraError(client.set_secrets, {"CAS_OTHER": "x", "CAS_KEY": "v2"}, "cas", expected_versions={"CAS_KEY": 0})
        self.assertEqual((error.code, error.status), ("conflict", 409))
        self.assertEqual(error.conflicts, [XtraConflict(key="CAS_KEY", expected=0, actual=1)])
        self.assertIn("CAS_KEY: expected version 0, found 1", error.message)
        self.assertIn("Nothing was written", error.message)
        self.assertEqual(read(self.project, "cas"), {"CAS_KEY": "v1"})
        updated = client.set_secrets({"CAS_KEY": "v2"}, "cas", expected_versions={"CAS_KEY": "1"})
        self.assertEqual(updated["versions"], {"CAS_KEY": 2})

    def test_a_duplicate_branch(self) -> None:
        client = self.client(self.project)
        client.branches.create_branch(self.project, name="twice")
        error = self.assertXtraError(client.branches.create_branch, self.project, name="twice")
        self.assertEqual((error.code, error.status), ("conflict", 409))
        self.assertIn("creating branch 'twice' in project", error.message)

    def test_a_token_that_may_not_write(self) -> None:
        account = admin("POST", f"/projects/{self.project}/service-accounts", {"name": "ci", "permissions": ["read:secrets"]}, expect=201)
        key = admin("POST", f"/projects/{self.project}/service-accounts/{account['id']}/keys", {}, expect=201)["key"]
        client = self.client(self.project, token=key)
        self.assertEqual(client.get_secrets("development")["DATABASE_URL"], "postgres://db/dev", "a read-only key reads")
        error = self.assertXtraError(client.set_secrets, {"DATABASE_URL": "postgres://evil"}, "development")
        self.assertEqual((error.code, error.status), ("forbidden", 403))
        self.assertIn("may not do this: ask an owner or admin of the project for access", error.message)
        self.assertEqual(read(self.project, "development")["DATABASE_URL"], "postgres://db/dev")

    def test_a_bad_environment_name_reaches_the_server_encoded(self) -> None:
        error = self.assertXtraError(self.client(self.project).get_secrets, "a/b")
        self.assertEqual(self.proxy.requests[-1].path, f"/api/projects/{self.project}/envs/a%2Fb/secrets?branch=main")
        self.assertEqual((error.code, error.status), ("bad-request", 400))
        self.assertIn("is not an environment name", error.message)
        self.assertIn("Correct the request.", error.message)

    def test_with_the_environment_defaults(self) -> None:
        with environment(XTRA_TOKEN="pavise_pat_wrong", XTRA_API_URL=self.proxy.api_url, XTRA_PROJECT_ID=self.project):
            self.assertEqual(self.assertXtraError(XtraClient().get_secrets, "development").code, "unauthorized")
        with environment(XTRA_TOKEN=TOKEN, XTRA_API_URL=self.proxy.api_url, XTRA_PROJECT_ID=UNKNOWN):
            self.assertEqual(self.assertXtraError(XtraClient().get_secrets, "development").code, "not-found")


if __name__ == "__main__":
    unittest.main()
