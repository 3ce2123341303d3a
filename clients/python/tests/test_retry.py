"""Retries: Retry-After is honoured on 429 and 503 (up to 60 s); other 5xx and network failures of
reads back off and retry; a write is sent again only when it certainly did not run."""

import time
import unittest
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from _support import LIMITED_API_URL, LIMITED_TOKEN, FakeClock, FaultProxy, ServerTestCase, closed_port, create_project, read, write

from xtrasecurity import XtraClient, XtraClientOptions
from xtrasecurity._http import retry_after_seconds


class RetryAfterParsingTest(unittest.TestCase):
    def test_seconds_and_http_dates(self) -> None:
        self.assertEqual(retry_after_seconds("3"), 3.0)
        self.assertEqual(retry_after_seconds(" 0 "), 0.0)
        now = time.time()
        date = format_datetime(datetime.fromtimestamp(now, timezone.utc) + timedelta(seconds=30), usegmt=True)
        self.assertAlmostEqual(retry_after_seconds(date, now) or 0, 30, delta=1)
        past = format_datetime(datetime.fromtimestamp(now, timezone.utc) - timedelta(seconds=30), usegmt=True)
        self.assertEqual(retry_after_seconds(past, now), 0.0)
        for unreadable in (None, "", "soon", "-1", "1.5"):
            self.assertIsNone(retry_after_seconds(unreadable), unreadable)


class RetryTest(ServerTestCase):
    project: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.project = create_project("retry")
        write(cls.project, "production", {"TOKEN": "one"})

    def test_waits_as_retry_after_says_on_a_real_429_then_succeeds(self) -> None:
        project = create_project("retry limited", LIMITED_API_URL, LIMITED_TOKEN)
        write(project, "production", {"TOKEN": "one"}, api_url=LIMITED_API_URL, token=LIMITED_TOKEN)
        proxy = FaultProxy(LIMITED_API_URL[: -len("/api")])
        self.addCleanup(proxy.close)
        # The client's waits move the server's clock too: the Retry-After it waits out passes there.
        clock = FakeClock(limited_server=True)
        client = XtraClient(XtraClientOptions(token=LIMITED_TOKEN, api_url=proxy.api_url, project_id=project, max_retries=3))
        client._clock = clock
        for _ in range(6):
            self.assertEqual(client.get_secrets("production", no_cache=True)["TOKEN"], "one")
            if any(r.status == 429 for r in proxy.requests):
                break
        refused = next(i for i, r in enumerate(proxy.requests) if r.status == 429)
        retry_after = proxy.requests[refused].retry_after
        self.assertRegex(retry_after or "", r"^\d+$", "with Retry-After")
        self.assertGreater(len(proxy.requests), refused + 1, "and the client tried again")
        self.assertEqual(proxy.requests[refused + 1].status, 200)
        self.assertEqual(clock.sleeps, [float(retry_after or 0)], f"after waiting {clock.sleeps} s, Retry-After {retry_after} s")

    def test_waits_as_retry_after_says_on_503(self) -> None:
        clock = FakeClock()
        client = self.client(self.project, clock, max_retries=2)
        self.proxy.respond(503, {"error": "restarting"}, {"Retry-After": "1"})
        self.assertEqual(client.get_secrets("production"), {"TOKEN": "one"})
        self.assertEqual(clock.sleeps, [1.0], "waited as Retry-After said")
        self.assertEqual([r.status for r in self.proxy.requests], [503, 200])

    def test_does_not_wait_more_than_60_seconds(self) -> None:
        client = self.client(self.project, max_retries=3)
        self.proxy.respond(429, {"error": "Too Many Requests: retry after 120 seconds", "retryAfter": 120}, {"Retry-After": "120"})
        started = time.monotonic()
        error = self.assertXtraError(client.get_secrets, "production")
        self.assertLess(time.monotonic() - started, 2)
        self.assertEqual((error.code, error.status), ("rate-limited", 429))
        self.assertIn("(Retry-After: 120)", error.message)
        self.assertEqual(len(self.proxy.requests), 1)

    def test_a_read_backs_off_and_retries_after_a_5xx(self) -> None:
        client = self.client(self.project, max_retries=3)
        self.proxy.respond(500, times=2)
        self.assertEqual(client.get_secrets("production"), {"TOKEN": "one"})
        self.assertEqual([r.status for r in self.proxy.requests], [500, 500, 200])

        self.proxy.respond(502, {"error": "bad gateway"}, times=3)
        error = self.assertXtraError(self.client(self.project, max_retries=2).get_secrets, "production")
        self.assertEqual(error.status, 502)
        self.assertIn("(3 attempts)", error.message)

    def test_a_write_is_not_sent_again_after_a_500(self) -> None:
        client = self.client(self.project, max_retries=3)
        self.proxy.respond(500)
        error = self.assertXtraError(client.set_secrets, {"TOKEN": "two"}, "production")
        self.assertEqual(error.status, 500)
        self.assertEqual(len(self.proxy.requests), 1)
        self.assertEqual(read(self.project, "production")["TOKEN"], "one")

    def test_a_write_is_sent_again_after_a_503(self) -> None:
        client = self.client(self.project, max_retries=3)
        self.proxy.respond(503, headers={"Retry-After": "0"})
        self.assertEqual(client.set_secrets({"RETRIED": "yes"}, "retried-writes")["count"], 1)
        self.assertEqual([(r.method, r.status) for r in self.proxy.requests], [("POST", 503), ("POST", 200)])

    def test_a_write_is_sent_again_only_when_it_certainly_did_not_run(self) -> None:
        refused = XtraClient(XtraClientOptions(token="t", project_id=self.project, api_url=f"http://127.0.0.1:{closed_port()}/api", max_retries=1))
        error = self.assertXtraError(refused.set_secrets, {"A": "1"}, "production")
        self.assertEqual(error.code, "network-error")
        self.assertIn("connection refused; 2 attempts", error.message)
        self.assertNotIn("may have happened", error.message, "a refused connection certainly did not write")

        self.proxy.hang()
        hanging = self.client(self.project, max_retries=3, timeout=0.3)
        error = self.assertXtraError(hanging.set_secrets, {"A": "1"}, "production")
        self.assertEqual(error.code, "timeout")
        self.assertIn("1 attempt)", error.message)
        self.assertIn("The write may have happened: read before writing again.", error.message)
        self.assertEqual(len(self.proxy.requests), 1)


if __name__ == "__main__":
    unittest.main()
