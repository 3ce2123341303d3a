"""The client's surface: options and their environment defaults, what it sends, and each method
against the server."""

import dataclasses
import os
import typing
import unittest
from importlib.metadata import PackageNotFoundError, distribution

from _support import TOKEN, ServerTestCase, admin, create_branch, create_project, environment, list_branches, read, write

import xtrasecurity
from xtrasecurity import DEFAULT_API_URL, SecretsResult, XtraClient, XtraClientOptions


class OptionsTest(unittest.TestCase):
    def test_the_documented_options_and_defaults(self) -> None:
        options = XtraClientOptions()
        self.assertTrue(dataclasses.is_dataclass(options))
        self.assertEqual(
            (options.token, options.project_id, options.api_url, options.cache, options.cache_ttl),
            (None, None, None, True, 30),
        )
        with self.assertRaises(TypeError, msg="keyword arguments only"):
            XtraClientOptions("pavise_pat_x")  # type: ignore[misc]
        self.assertNotIn("pavise_pat_secret", repr(XtraClientOptions(token="pavise_pat_secret")))
        self.assertEqual(dataclasses.replace(XtraClientOptions(project_id="a"), cache_ttl=60), XtraClientOptions(project_id="a", cache_ttl=60))

    def test_defaults_from_the_environment(self) -> None:
        with environment(XTRA_TOKEN=None, XTRA_PROJECT_ID=None, XTRA_API_URL=None):
            client = XtraClient(XtraClientOptions(token="t"))
            self.assertEqual(client.api_url, "http://127.0.0.1:8080/api", "a server on this machine, never a third party's")
            self.assertEqual(DEFAULT_API_URL, "http://127.0.0.1:8080/api")
            self.assertIsNone(client.project_id)
        with environment(XTRA_TOKEN="from-env", XTRA_PROJECT_ID=" prj-env ", XTRA_API_URL="https://vault.example.org/api/"):
            client = XtraClient()
            self.assertEqual(client.api_url, "https://vault.example.org/api")
            self.assertEqual(client.project_id, "prj-env")
            explicit = XtraClient(XtraClientOptions(project_id="prj-option", api_url="http://10.0.0.1:9000/api"))
            self.assertEqual((explicit.project_id, explicit.api_url), ("prj-option", "http://10.0.0.1:9000/api"), "options win")
            self.assertNotIn("from-env", repr(client))

    def test_typed(self) -> None:
        package = os.path.dirname(xtrasecurity.__file__)
        self.assertTrue(os.path.isfile(os.path.join(package, "py.typed")), "a py.typed marker")
        hints = typing.get_type_hints(XtraClient.get_secrets)
        self.assertEqual(hints["return"], typing.Dict[str, str])
        self.assertEqual(typing.get_type_hints(XtraClient.get_secrets_with_metadata)["return"], SecretsResult)
        for function in (XtraClient.inject_secrets, XtraClient.set_secrets, XtraClient.clear_cache, XtraClientOptions.__init__):
            self.assertIn("return", typing.get_type_hints(function), function.__qualname__)
        self.assertEqual(sorted(typing.get_type_hints(xtrasecurity.Project)), sorted(xtrasecurity.Project.__annotations__))

    def test_the_version(self) -> None:
        self.assertRegex(xtrasecurity.__version__, r"^\d+\.\d+\.\d+$")
        try:
            installed = distribution("xtrasecurity-sdk")
        except PackageNotFoundError:
            # The run against the installed wheel sets XTRA_SDK_EXPECT_INSTALLED: there, no
            # distribution is a failure. From the source tree there is none to compare with.
            self.assertFalse(os.environ.get("XTRA_SDK_EXPECT_INSTALLED"), "xtrasecurity-sdk is not installed where the tests run")
            return
        self.assertEqual(installed.version, xtrasecurity.__version__, "the installed wheel's metadata has the package's version")
        expected = os.environ.get("XTRA_SDK_EXPECT_PATH")
        if expected:
            location = os.path.realpath(str(installed.locate_file("")))
            self.assertEqual(location, os.path.realpath(expected), "the metadata of the very distribution under test")


class ClientTest(ServerTestCase):
    project: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.project = create_project("client")
        write(cls.project, "development", {"DATABASE_URL": "postgres://db/dev", "API_KEY": "key-1"})

    def test_what_it_sends(self) -> None:
        client = self.client(self.project)
        client.get_secrets("development")
        request = self.proxy.requests[0]
        self.assertEqual(request.method, "GET")
        self.assertEqual(request.path, f"/api/projects/{self.project}/envs/development/secrets?branch=main")
        self.assertEqual(request.headers["Authorization"], f"Bearer {TOKEN}")
        self.assertEqual(request.headers["Accept"], "application/json")
        self.assertEqual(request.headers["X-Pavise-Client"], f"sdk-py/{xtrasecurity.__version__}")
        self.assertTrue(request.headers["User-Agent"].startswith(f"xtrasecurity-sdk/{xtrasecurity.__version__}"))

        client.set_secrets({"SENT": "1"}, "development", branch="main")
        write_request = self.proxy.requests[-1]
        self.assertEqual((write_request.method, write_request.headers["Content-Type"]), ("POST", "application/json"))

    def test_path_segments_and_query_values_are_encoded(self) -> None:
        client = self.client(self.project)
        create_branch(self.project, "feature/encoded")
        write(self.project, "development", {"API_KEY": "branch-key"}, branch="feature/encoded")
        self.assertEqual(client.get_secrets("development", branch="feature/encoded")["API_KEY"], "branch-key")
        self.assertEqual(self.proxy.requests[-1].path, f"/api/projects/{self.project}/envs/development/secrets?branch=feature%2Fencoded")
        # Unencoded, the server would see the branch "a b" and a parameter c.
        error = self.assertXtraError(client.get_secrets, "development", branch="a b&c=d")
        self.assertEqual(self.proxy.requests[-1].path, f"/api/projects/{self.project}/envs/development/secrets?branch=a%20b%26c%3Dd")
        self.assertEqual(error.status, 400 if "not a branch name" in error.message or "A branch name" in error.message else 404)
        self.assertIn("a b&c=d", error.message)
        self.assertEqual(self.assertXtraError(client.projects.get_project, "../project").status, 404)
        self.assertEqual(self.proxy.requests[-1].path, "/api/projects/..%2Fproject")

    def test_environment_aliases_and_case(self) -> None:
        client = self.client(self.project)
        write(self.project, "production", {"WHERE": "production"})
        for name in ("prod", "PROD", "Production"):
            self.assertEqual(client.get_secrets(name, no_cache=True)["WHERE"], "production")
        self.assertTrue(all(r.path.startswith(f"/api/projects/{self.project}/envs/production/") for r in self.proxy.requests))

    def test_inject_secrets_fills_unset_variables_or_all_with_override(self) -> None:
        write(self.project, "staging", {"INJECT_A": "from-vault-a", "INJECT_B": "from-vault-b"})
        client = self.client(self.project)
        with environment(INJECT_A="local", INJECT_B=None):
            self.assertEqual(client.inject_secrets("staging"), ["INJECT_B"], "the names it set")
            self.assertEqual(os.environ["INJECT_A"], "local", "a set variable is kept")
            self.assertEqual(os.environ["INJECT_B"], "from-vault-b")
            self.assertEqual(sorted(client.inject_secrets("staging", override=True)), ["INJECT_A", "INJECT_B"])
            self.assertEqual(os.environ["INJECT_A"], "from-vault-a")
        self.assertNotIn("INJECT_B", os.environ)

    def test_set_secrets_writes_in_one_transaction(self) -> None:
        client = self.client(self.project)
        result = client.set_secrets({"W_ONE": "1", "W_TWO": "2"}, "writes")
        self.assertEqual(result["count"], 2)
        self.assertEqual(result["versions"], {"W_ONE": 1, "W_TWO": 1})
        self.assertEqual(read(self.project, "writes"), {"W_ONE": "1", "W_TWO": "2"})
        self.assertEqual(client.get_secrets("writes"), {"W_ONE": "1", "W_TWO": "2"})

    def test_branches_are_overlays_of_main(self) -> None:
        client = self.client(self.project)
        write(self.project, "production", {"DATABASE_URL": "postgres://db/prod", "FEATURE": "off"})
        branch = client.branches.create_branch(self.project, name="feature/new-ui", description="the new UI")
        self.assertEqual((branch["name"], branch["projectId"], branch["description"], branch["baseEnv"]), ("feature/new-ui", self.project, "the new UI", None))
        client.set_secrets({"FEATURE": "on"}, "production", branch="feature/new-ui")
        overlay = client.get_secrets("production", branch="feature/new-ui")
        self.assertEqual((overlay["FEATURE"], overlay["DATABASE_URL"]), ("on", "postgres://db/prod"))
        self.assertEqual(client.get_secrets("production")["FEATURE"], "off")

        tied = client.branches.create_branch(None, name="hotfix/api-v2", base_env="prod")  # type: ignore[arg-type]
        self.assertEqual(tied["baseEnv"], "production", "an alias, normalised by the server")
        self.assertEqual(client.get_secrets("production", branch="hotfix/api-v2")["FEATURE"], "off")
        self.assertIn("hotfix/api-v2", [b["name"] for b in list_branches(self.project)])

    def test_get_project_describes_the_project_by_default_the_clients(self) -> None:
        client = self.client(self.project)
        project = client.projects.get_project()
        self.assertEqual(project["id"], self.project)
        self.assertTrue(project["name"].startswith("client"))
        self.assertEqual(project["role"], "owner")
        self.assertEqual(project["workspace"], "personal")
        self.assertTrue({"development", "staging", "production"} <= set(project["environments"]))
        self.assertIn("main", project["branches"])
        self.assertEqual(client.projects.get_project(self.project), project)

    def test_get_secrets_with_metadata(self) -> None:
        client = self.client(self.project)
        first = client.get_secrets_with_metadata("development")
        self.assertEqual((first.stale, first.from_cache, first.error), (False, False, None))
        self.assertIsNotNone(first.fetched_at.tzinfo)
        second = client.get_secrets_with_metadata("development")
        self.assertEqual((second.from_cache, second.fetched_at, second.secrets), (True, first.fetched_at, first.secrets))
        self.assertNotIn("key-1", repr(second), "the repr does not show secret values")

    def test_a_service_account_key_is_a_token_too(self) -> None:
        other = create_project("client sa")
        write(other, "production", {"SA": "yes"})
        account = admin("POST", f"/projects/{other}/service-accounts", {"name": "app", "permissions": ["read:secrets", "write:secrets"]}, expect=201)
        key = admin("POST", f"/projects/{other}/service-accounts/{account['id']}/keys", {}, expect=201)["key"]
        client = self.client(other, token=key)
        self.assertEqual(client.get_secrets("production"), {"SA": "yes"})
        self.assertEqual(client.set_secrets({"SA": "written"}, "production")["count"], 1)
        self.assertEqual(client.get_secrets("production"), {"SA": "written"})


if __name__ == "__main__":
    unittest.main()
