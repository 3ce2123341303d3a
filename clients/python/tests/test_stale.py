"""Stale-on-error, as the TypeScript SDK: after a network error, a time-out, a 5xx, or a 429 past
the retries, a read is answered with the last good value (however old) and flagged stale, if there
is one; never after 400, 401, 403 or 404; clear_cache drops the fallback."""

import threading
import time
import unittest
from typing import List

from _support import (
    LIMITED_API_URL,
    LIMITED_TOKEN,
    FakeClock,
    FaultProxy,
    ServerTestCase,
    admin,
    advance_limited_clock,
    create_branch,
    create_project,
    new_pat,
    revoke_pat,
    write,
)

from xtrasecurity import StaleInfo, XtraClient, XtraClientOptions

GOOD = {"TOKEN": "one", "DATABASE_URL": "postgres://db/prod"}


class StaleOnErrorTest(ServerTestCase):
    project: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.project = create_project("stale")
        write(cls.project, "production", GOOD)

    def test_when_the_server_goes_away(self) -> None:
        stale: List[StaleInfo] = []
        clock = FakeClock()
        client = self.client(self.project, clock, cache_ttl=0.1, max_retries=1, on_stale=stale.append)
        good = client.get_secrets_with_metadata("production")
        no_fallback = self.client(self.project, clock, cache_ttl=0.1, max_retries=0, stale_on_error=False)
        no_fallback.get_secrets("production")
        self.proxy.close()
        clock.advance(0.15)  # past both clients' cache_ttl

        with self.assertLogs("xtrasecurity", "WARNING") as logs:
            self.assertEqual(client.get_secrets("production"), GOOD, "the last good value")
        self.assertIn(f"serving the production secrets of project {self.project} (branch main) as fetched at", logs.output[0])
        with self.assertLogs("xtrasecurity", "WARNING"):
            metadata = client.get_secrets_with_metadata("production")
        self.assertTrue(metadata.stale)
        self.assertTrue(metadata.from_cache)
        self.assertEqual(metadata.secrets, GOOD)
        self.assertEqual(metadata.fetched_at, good.fetched_at)
        self.assertIsNotNone(metadata.error)
        assert metadata.error is not None
        self.assertEqual(metadata.error.code, "network-error")
        self.assertIn("is the Pavise server running?", metadata.error.message)
        self.assertEqual(len(stale), 2, "on_stale heard of both")
        self.assertEqual((stale[0].project_id, stale[0].env, stale[0].branch), (self.project, "production", "main"))
        self.assertEqual(stale[0].fetched_at, good.fetched_at)
        self.assertEqual(stale[0].error.code, "network-error")

        fresh_client = self.client(self.project, max_retries=0)
        error = self.assertXtraError(fresh_client.get_secrets, "production")
        self.assertEqual(error.code, "network-error", "no earlier answer: the failure itself")
        self.assertEqual(self.assertXtraError(no_fallback.get_secrets, "production").code, "network-error", "stale_on_error=False")
        client.clear_cache()
        self.assertEqual(self.assertXtraError(client.get_secrets, "production").code, "network-error", "clear_cache drops the fallback")

    def test_after_a_5xx(self) -> None:
        client = self.client(self.project, cache_ttl=0, max_retries=0)
        client.get_secrets("production")
        for status in (500, 502, 503):
            with self.subTest(status=status):
                self.proxy.respond(status, {"error": "the database is down"})
                with self.assertLogs("xtrasecurity", "WARNING"):
                    metadata = client.get_secrets_with_metadata("production")
                self.assertTrue(metadata.stale)
                self.assertEqual(metadata.secrets, GOOD)
                assert metadata.error is not None
                self.assertEqual(metadata.error.status, status)
                self.assertIn(f"HTTP {status}: the database is down", metadata.error.message)
                self.assertIn("check its logs", metadata.error.message)
        self.assertFalse(client.get_secrets_with_metadata("production").stale, "the server answers again")

    def test_after_a_timeout(self) -> None:
        client = self.client(self.project, cache_ttl=0, max_retries=0, timeout=0.3)
        client.get_secrets("production")
        self.proxy.hang()
        started = time.monotonic()
        with self.assertLogs("xtrasecurity", "WARNING"):
            metadata = client.get_secrets_with_metadata("production")
        self.assertLess(time.monotonic() - started, 3)
        self.assertTrue(metadata.stale)
        self.assertEqual(metadata.secrets, GOOD)
        assert metadata.error is not None
        self.assertEqual(metadata.error.code, "timeout")
        self.assertIn("no answer within 0.3 s", metadata.error.message)
        self.assertIn("raise timeout", metadata.error.message)
        error = self.assertXtraError(self.client(self.project, max_retries=0, timeout=0.3).get_secrets, "production")
        self.assertEqual(error.code, "timeout", "no earlier answer: the failure itself")
        self.proxy.release()

    def test_after_a_429_past_the_retries(self) -> None:
        # A real server that allows two vault requests a second.
        project = create_project("stale limited", LIMITED_API_URL, LIMITED_TOKEN)
        write(project, "production", GOOD, api_url=LIMITED_API_URL, token=LIMITED_TOKEN)
        proxy = FaultProxy(LIMITED_API_URL[: -len("/api")])
        self.addCleanup(proxy.close)
        stale: List[StaleInfo] = []
        client = XtraClient(XtraClientOptions(token=LIMITED_TOKEN, api_url=proxy.api_url, project_id=project, cache_ttl=0, max_retries=0, on_stale=stale.append))
        advance_limited_clock(2.1)  # a fresh allowance: the server counts over a sliding window of two
        result = client.get_secrets_with_metadata("production")
        good = result
        with self.assertLogs("xtrasecurity", "WARNING"):
            for _ in range(6):
                if result.stale:
                    break
                good = result
                result = client.get_secrets_with_metadata("production")
        self.assertTrue(result.stale, "the server refused a read")
        self.assertEqual(result.secrets, GOOD)
        self.assertEqual(result.fetched_at, good.fetched_at)
        assert result.error is not None
        self.assertEqual((result.error.code, result.error.status), ("rate-limited", 429))
        self.assertRegex(result.error.message, r"HTTP 429: .*\(Retry-After: \d+\)")
        self.assertIn("a longer cache_ttl", result.error.message)
        self.assertEqual(len(stale), 1)
        self.assertEqual([r.status for r in proxy.requests].count(429), 1)

    def test_never_after_a_400_or_403(self) -> None:
        client = self.client(self.project, cache_ttl=0, max_retries=3)
        client.get_secrets("production")
        for status, code in ((400, "bad-request"), (403, "forbidden")):
            with self.subTest(status=status):
                self.proxy.respond(status, {"error": "no"})
                error = self.assertXtraError(client.get_secrets, "production")
                self.assertEqual((error.code, error.status), (code, status))
        self.assertEqual(self.proxy.reads, 3, "and no retry")

    def test_never_after_a_401_a_revoked_token(self) -> None:
        pat, pat_id, access = new_pat()
        clock = FakeClock()
        client = self.client(self.project, clock, token=pat, cache_ttl=0.1)
        client.get_secrets("production")
        revoke_pat(pat_id, access)
        clock.advance(0.15)
        error = self.assertXtraError(client.get_secrets, "production")
        self.assertEqual((error.code, error.status), ("unauthorized", 401))

    def test_never_after_a_404_a_deleted_branch(self) -> None:
        create_branch(self.project, "short-lived")
        clock = FakeClock()
        client = self.client(self.project, clock, cache_ttl=0.1)
        self.assertEqual(client.get_secrets("production", branch="short-lived"), GOOD)
        admin("DELETE", f"/branch?projectId={self.project}&name=short-lived")
        clock.advance(0.15)
        error = self.assertXtraError(client.get_secrets, "production", branch="short-lived")
        self.assertEqual((error.code, error.status), ("not-found", 404))
        self.assertIn("Branch 'short-lived' not found", error.message)

    def test_never_after_an_invalid_answer(self) -> None:
        client = self.client(self.project, cache_ttl=0, max_retries=0)
        client.get_secrets("production")
        self.proxy.respond(200, b"<html>a login page</html>", {"Content-Type": "text/html"})
        self.assertEqual(self.assertXtraError(client.get_secrets, "production").code, "invalid-response")

    def test_an_on_stale_that_raises_does_not_take_the_secrets_away(self) -> None:
        def broken(info: StaleInfo) -> None:
            raise RuntimeError("observer bug")

        client = self.client(self.project, cache_ttl=0, max_retries=0, on_stale=broken)
        client.get_secrets("production")
        self.proxy.respond(500)
        with self.assertLogs("xtrasecurity", "WARNING") as logs:
            self.assertEqual(client.get_secrets("production"), GOOD)
        self.assertTrue(any("on_stale raised" in line for line in logs.output))

    def test_threads_waiting_on_a_failed_read_each_get_the_stale_value(self) -> None:
        client = self.client(self.project, cache_ttl=0, max_retries=0)
        client.get_secrets("production")
        self.proxy.close()
        results: List[object] = []

        def read() -> None:
            try:
                results.append(client.get_secrets("production"))
            except Exception as error:  # reported below
                results.append(error)

        with self.assertLogs("xtrasecurity", "WARNING"):
            threads = [threading.Thread(target=read) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        self.assertEqual(results, [GOOD] * 8)


if __name__ == "__main__":
    unittest.main()
