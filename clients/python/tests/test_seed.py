"""Seed 004, "Python SDK": each of its code blocks, as documented, runs against Pavise and does
what the documentation says. The blocks are the documentation's text; only the placeholder
project id "prj_123456789" is replaced with a real one, and XTRA_API_URL / XTRA_TOKEN point the
client at the test server (a recording proxy in front of it)."""

import os
import unittest
from typing import Any, Dict

from _support import (
    TOKEN,
    ServerTestCase,
    assert_imported_from_expected_place,
    capture_stdout,
    create_branch,
    create_project,
    environment,
    list_branches,
    write,
)

from xtrasecurity import XtraClient, XtraError

PLACEHOLDER = "prj_123456789"

# "Configuration"
SEED_CONFIGURATION = '''from xtrasecurity import XtraClient, XtraClientOptions
# Initialize the client
# It will automatically use os.environ.get('XTRA_TOKEN') if available
client = XtraClient(XtraClientOptions(
project_id="prj_123456789",
cache_ttl=60 # Cache secrets in-memory for 60 seconds
))
'''

# "get_secrets()"
SEED_GET_SECRETS = '''# Fetch from production (main branch)
secrets = client.get_secrets("production")
print(secrets.get("DATABASE_URL"))
# Fetch from a specific branch and bypass cache
preview_secrets = client.get_secrets(
env="staging",
branch="feature/new-ui",
no_cache=True
)
'''

# "inject_secrets()"
SEED_INJECT_SECRETS = '''from xtrasecurity import XtraClient
import os
client = XtraClient()
# Instantly inject secrets into os.environ
client.inject_secrets("production", project_id="prj_123456789", branch="feature/new-ui", override=True)
# Now you can use them normally across your application
print(os.environ.get("DATABASE_URL"))
'''

# "clear_cache()"
SEED_CLEAR_CACHE = '''client.clear_cache()
'''

# "Advanced API Access" (the page's code block lost its indentation; this is the evident one)
SEED_ADVANCED = '''from xtrasecurity import XtraClient
from xtrasecurity.exceptions import XtraError
client = XtraClient()
try:
    # Access the raw auto-generated API classes for advanced management
    project_info = client.projects.get_project("prj_123456789")
    # Create an environment branch programmatically
    client.branches.create_branch("prj_123456789", name="hotfix/api-v2", base_env="production")
except XtraError as e:
    print(f"XtraSecurity Error: {e.message}")
'''


class SeedTest(ServerTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.project = create_project("seed 004")
        write(self.project, "production", {"DATABASE_URL": "postgres://db/prod", "API_KEY": "prod-key"})
        write(self.project, "staging", {"DATABASE_URL": "postgres://db/staging", "API_KEY": "staging-key"})
        create_branch(self.project, "feature/new-ui")
        write(self.project, "staging", {"API_KEY": "preview-key"}, branch="feature/new-ui")
        write(self.project, "production", {"DATABASE_URL": "postgres://db/preview"}, branch="feature/new-ui")
        # The documentation's environment: a token in XTRA_TOKEN; here also the server's address.
        self.env = environment(XTRA_TOKEN=TOKEN, XTRA_API_URL=self.proxy.api_url, XTRA_PROJECT_ID=None)
        self.env.__enter__()
        self.addCleanup(self.env.__exit__, None, None, None)

    def run_block(self, code: str, namespace: Dict[str, Any], name: str, project: str = "") -> str:
        return capture_stdout(code.replace(PLACEHOLDER, project or self.project), namespace, f"<seed 004: {name}>")

    def test_the_package_under_test(self) -> None:
        assert_imported_from_expected_place(self)

    def test_configuration_get_secrets_and_clear_cache(self) -> None:
        namespace: Dict[str, Any] = {}
        self.assertEqual(self.run_block(SEED_CONFIGURATION, namespace, "configuration"), "")
        client = namespace["client"]
        self.assertIsInstance(client, XtraClient)
        self.assertEqual(client.project_id, self.project, "project_id is the client's default project")
        self.assertEqual(self.proxy.requests, [], "creating a client sends nothing")

        # Warm the cache for the branch read, so that its no_cache=True has something to bypass.
        self.assertEqual(client.get_secrets("staging", branch="feature/new-ui")["API_KEY"], "preview-key")
        write(self.project, "staging", {"API_KEY": "preview-key-2"}, branch="feature/new-ui")
        reads = self.proxy.reads

        printed = self.run_block(SEED_GET_SECRETS, namespace, "get_secrets")
        self.assertEqual(printed, "postgres://db/prod\n", "the production DATABASE_URL of main")
        self.assertIsInstance(namespace["secrets"], dict, "a standard dictionary")
        self.assertEqual(namespace["secrets"], {"DATABASE_URL": "postgres://db/prod", "API_KEY": "prod-key"})
        self.assertEqual(
            namespace["preview_secrets"],
            {"DATABASE_URL": "postgres://db/staging", "API_KEY": "preview-key-2"},
            "staging as the branch sees it (main's values with its override), fetched despite the cache",
        )
        self.assertEqual(self.proxy.reads, reads + 2, "one read for production, one for the bypassed branch")
        branch_read = self.proxy.requests[-1]
        self.assertTrue(branch_read.path.endswith("/envs/staging/secrets?branch=feature%2Fnew-ui"), branch_read.path)
        self.assertEqual(branch_read.headers.get("Authorization"), f"Bearer {TOKEN}", "the token of XTRA_TOKEN")

        # Within cache_ttl=60 the same block is answered from memory, except the no_cache read.
        write(self.project, "production", {"DATABASE_URL": "postgres://db/prod-2"})
        self.assertEqual(self.run_block(SEED_GET_SECRETS, namespace, "get_secrets"), "postgres://db/prod\n", "cached")
        self.assertEqual(self.proxy.reads, reads + 3)

        # clear_cache: the next read asks the server.
        self.assertEqual(self.run_block(SEED_CLEAR_CACHE, namespace, "clear_cache"), "")
        self.assertEqual(self.run_block(SEED_GET_SECRETS, namespace, "get_secrets"), "postgres://db/prod-2\n")
        self.assertEqual(self.proxy.reads, reads + 5)

    def test_configuration_needs_a_token(self) -> None:
        with environment(XTRA_TOKEN=None):
            with self.assertRaises(XtraError) as caught:
                self.run_block(SEED_CONFIGURATION, {}, "configuration")
        self.assertIn("set XTRA_TOKEN", caught.exception.message)
        self.assertIn("pavise pat create --email", caught.exception.message)

    def test_inject_secrets(self) -> None:
        with environment(DATABASE_URL="postgres://localhost/dev", API_KEY=None):
            printed = self.run_block(SEED_INJECT_SECRETS, {}, "inject_secrets")
            self.assertEqual(printed, "postgres://db/preview\n", "the branch's value replaced the local one (override=True)")
            self.assertEqual(os.environ["DATABASE_URL"], "postgres://db/preview")
            self.assertEqual(os.environ["API_KEY"], "prod-key", "inherited from main")
            branch_read = self.proxy.requests[-1]
            self.assertTrue(branch_read.path.endswith(f"/projects/{self.project}/envs/production/secrets?branch=feature%2Fnew-ui"))
        self.assertNotIn("API_KEY", os.environ)

    def test_advanced_api_access(self) -> None:
        namespace: Dict[str, Any] = {}
        self.assertEqual(self.run_block(SEED_ADVANCED, namespace, "advanced"), "", "no error")
        project_info = namespace["project_info"]
        self.assertEqual(project_info["id"], self.project)
        self.assertTrue(project_info["name"].startswith("seed 004"))
        self.assertEqual(project_info["role"], "owner")
        self.assertIn("feature/new-ui", project_info["branches"])
        created = [b for b in list_branches(self.project) if b["name"] == "hotfix/api-v2"]
        self.assertEqual(len(created), 1, "the branch exists")
        self.assertEqual(created[0]["baseEnv"], "production", "tied to production")
        self.assertEqual(
            [r.path for r in self.proxy.requests],
            [f"/api/projects/{self.project}", "/api/branch"],
        )

        # Run again: the branch exists, and the documented except clause prints why.
        printed = self.run_block(SEED_ADVANCED, {}, "advanced")
        self.assertRegex(printed, r"^XtraSecurity Error: creating branch 'hotfix/api-v2' in project \S+ failed: HTTP 409: ")
        self.assertEqual(printed.count("\n"), 1)

    def test_advanced_api_access_reports_failures_through_xtra_error(self) -> None:
        printed = self.run_block(SEED_ADVANCED, {}, "advanced", project="00000000-0000-4000-8000-000000000000")
        self.assertEqual(
            printed,
            "XtraSecurity Error: getting project 00000000-0000-4000-8000-000000000000 failed: HTTP 404: "
            "Project 00000000-0000-4000-8000-000000000000 not found. Check the name, or create it first.\n",
        )
        with environment(XTRA_TOKEN="pavise_pat_not-a-real-token"):
            printed = self.run_block(SEED_ADVANCED, {}, "advanced")
        self.assertTrue(printed.startswith(f"XtraSecurity Error: getting project {self.project} failed: HTTP 401: "), printed)
        self.assertIn("pavise pat create --email", printed)


if __name__ == "__main__":
    unittest.main()
