"""The cache, with the semantics of the TypeScript SDK: keyed by project, environment (lower-cased,
dev/stg/prod aliases) and branch; a hit within cache_ttl sends nothing; no_cache asks and stores;
clear_cache empties; concurrent misses share one request; a write drops what it affects."""

import sys
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Dict, List

from _support import FakeClock, ServerTestCase, create_branch, create_project, environment, write

from xtrasecurity import XtraClient, XtraError


def _wait_until_waiting_on_a_future(threads: List[threading.Thread], within: float = 10) -> bool:
    """Whether each of ``threads`` gets to block in Future.result (on another thread's read)
    within ``within`` seconds: polled every 5 ms, an I/O wait, not time to pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        frames = sys._current_frames()

        def waiting(thread: threading.Thread) -> bool:
            frame = frames.get(thread.ident or -1)
            while frame is not None:
                if frame.f_code.co_name == "result" and frame.f_code.co_filename.replace("\\", "/").endswith("concurrent/futures/_base.py"):
                    return True
                frame = frame.f_back
            return False

        if all(waiting(thread) for thread in threads):
            return True
        time.sleep(0.005)
    return False


class CacheTest(ServerTestCase):
    project: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.project = create_project("cache")
        write(cls.project, "development", {"DATABASE_URL": "postgres://db/dev", "API_KEY": "key-1"})
        write(cls.project, "production", {"DATABASE_URL": "postgres://db/prod"})
        create_branch(cls.project, "feature/x")

    def test_a_hit_within_cache_ttl_sends_nothing_and_returns_a_fresh_dict(self) -> None:
        client = self.client(self.project)
        first = client.get_secrets("development")
        self.assertEqual(first, {"DATABASE_URL": "postgres://db/dev", "API_KEY": "key-1"})
        first["API_KEY"] = "changed by the caller"
        first["EXTRA"] = "added by the caller"

        write(self.project, "development", {"API_KEY": "key-2"})
        second = client.get_secrets("development")
        self.assertIsNot(second, first, "a new dict each time")
        self.assertEqual(second, {"DATABASE_URL": "postgres://db/dev", "API_KEY": "key-1"}, "the cached answer, untouched by the caller")
        for alias in ("dev", "DEV", "Development"):
            self.assertEqual(client.get_secrets(alias)["API_KEY"], "key-1", f"{alias} is development")
        self.assertEqual(client.get_secrets("development", branch="main")["API_KEY"], "key-1", "branch main is the default")
        self.assertEqual(self.proxy.reads, 1)

        metadata = client.get_secrets_with_metadata("development")
        self.assertEqual((metadata.stale, metadata.from_cache, metadata.error), (False, True, None))
        self.assertLess(datetime.now(timezone.utc) - metadata.fetched_at, timedelta(seconds=10))
        write(self.project, "development", {"API_KEY": "key-1"})

    def test_no_cache_asks_the_server_and_stores_its_answer(self) -> None:
        client = self.client(self.project)
        client.get_secrets("production")
        write(self.project, "production", {"FLAG": "on"})
        fresh = client.get_secrets("production", no_cache=True)
        self.assertEqual(fresh["FLAG"], "on")
        self.assertFalse(client.get_secrets_with_metadata("production", no_cache=True).from_cache)
        self.assertEqual(client.get_secrets("production"), fresh, "and stores what it answered")
        self.assertEqual(self.proxy.reads, 3)

    def test_clear_cache_empties_it(self) -> None:
        client = self.client(self.project)
        client.get_secrets("production")
        client.get_secrets("development")
        write(self.project, "production", {"CLEARED": "yes"})
        client.clear_cache()
        self.assertEqual(client.get_secrets("production")["CLEARED"], "yes")
        client.get_secrets("development")
        self.assertEqual(self.proxy.reads, 4, "both entries were gone")

    def test_an_entry_expires_after_cache_ttl_seconds(self) -> None:
        clock = FakeClock()
        client = self.client(self.project, clock, cache_ttl=1)
        before = client.get_secrets("production")
        write(self.project, "production", {"TTL": "after"})
        clock.advance(0.5)
        self.assertEqual(client.get_secrets("production"), before, "still within the TTL")
        self.assertTrue(client.get_secrets_with_metadata("production").from_cache)
        self.assertEqual(self.proxy.reads, 1)
        clock.advance(0.5)
        self.assertEqual(client.get_secrets("production")["TTL"], "after", "a second after the answer")
        self.assertEqual(self.proxy.reads, 2)

    def test_without_the_cache_every_read_asks(self) -> None:
        for options in ({"cache": False}, {"cache_ttl": 0}):
            with self.subTest(**options):
                requests = self.proxy.reads
                client = self.client(self.project, **options)
                client.get_secrets("production")
                self.assertFalse(client.get_secrets_with_metadata("production").from_cache)
                self.assertEqual(self.proxy.reads, requests + 2)

    def test_the_key_is_project_environment_and_branch(self) -> None:
        other = create_project("cache other")
        write(other, "production", {"DATABASE_URL": "postgres://other/prod"})
        client = self.client(self.project)
        values = [
            client.get_secrets("production"),
            client.get_secrets("production", branch="feature/x"),
            client.get_secrets("development"),
            client.get_secrets("production", project_id=other),
        ]
        self.assertEqual(values[3]["DATABASE_URL"], "postgres://other/prod")
        self.assertEqual(values[0]["DATABASE_URL"], "postgres://db/prod")
        self.assertEqual(self.proxy.reads, 4)
        client.get_secrets("prod")
        client.get_secrets("production", branch="feature/x")
        client.get_secrets("production", project_id=other)
        self.assertEqual(self.proxy.reads, 4, "all cached")

    def test_concurrent_misses_share_one_request(self) -> None:
        client = self.client(self.project)
        barrier = threading.Barrier(16)
        results: List[Dict[str, str]] = []
        errors: List[BaseException] = []

        def read() -> None:
            try:
                barrier.wait()
                results.append(client.get_secrets("development"))
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=read) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 16)
        self.assertEqual(len({id(result) for result in results}), 16, "each caller has its own dict")
        self.assertTrue(all(result == results[0] for result in results))
        self.assertEqual(self.proxy.reads, 1, "sixteen concurrent calls, one request")

    def test_concurrent_misses_share_a_failure_too(self) -> None:
        client = self.client(self.project, max_retries=0)
        held, gate = self.proxy.hold_next_read()
        errors: List[XtraError] = []

        def read() -> None:
            try:
                client.get_secrets("production", branch="nope")
            except XtraError as error:
                errors.append(error)

        threads = [threading.Thread(target=read) for _ in range(4)]
        threads[0].start()
        self.assertTrue(held.wait(10), "the server answered the first read (a 404), held back")
        for thread in threads[1:]:
            thread.start()
        self.assertTrue(_wait_until_waiting_on_a_future(threads[1:]), "they wait for the first one")
        gate.set()
        for thread in threads:
            thread.join(30)
        self.assertEqual([error.code for error in errors], ["not-found"] * 4)
        self.assertEqual(self.proxy.reads, 1, "four calls, one request")
        client.get_secrets("production", branch="feature/x")
        with self.assertRaises(XtraError):
            client.get_secrets("production", branch="nope")
        self.assertEqual(self.proxy.reads, 3, "a failure is not cached")

    def test_thread_safety_under_concurrent_reads_writes_and_clears(self) -> None:
        project = create_project("cache threads")
        write(project, "staging", {"LEFT": "0", "RIGHT": "0"})
        client = self.client(project, cache_ttl=0.05)
        stop = threading.Event()
        errors: List[str] = []
        seen = [0]

        def reader(env: str) -> None:
            while not stop.is_set():
                try:
                    secrets = client.get_secrets(env)
                    seen[0] += 1
                    if env == "staging" and secrets["LEFT"] != secrets["RIGHT"]:
                        errors.append(f"a torn read: {secrets}")
                    secrets["LEFT"] = "mutated"  # the caller's own copy
                except Exception as error:  # reported below
                    errors.append(repr(error))
                    return

        def writer() -> None:
            try:
                for n in range(1, 9):
                    client.set_secrets({"LEFT": str(n), "RIGHT": str(n)}, "staging")
                    # Read-your-write: no read that began before the write may be served after it.
                    value = client.get_secrets("staging")["LEFT"]
                    if value != str(n):
                        errors.append(f"after writing {n}, read {value}")
                    if n % 3 == 0:
                        client.clear_cache()
            except Exception as error:  # reported below
                errors.append(repr(error))
            finally:
                stop.set()

        threads = [threading.Thread(target=reader, args=(env,)) for env in ("staging", "stg", "STAGING", "production", "staging", "development")]
        threads.append(threading.Thread(target=writer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        self.assertGreater(seen[0], 100)
        self.assertEqual(client.get_secrets("staging"), {"LEFT": "8", "RIGHT": "8"})

    def test_a_read_that_a_write_overtook_is_not_cached(self) -> None:
        project = create_project("cache race")
        write(project, "production", {"RACE": "old"})
        client = self.client(project)
        held, gate = self.proxy.hold_next_read()
        answers: List[Dict[str, str]] = []
        in_flight = threading.Thread(target=lambda: answers.append(client.get_secrets("production")))
        in_flight.start()
        self.assertTrue(held.wait(10), "the server answered the first read")
        client.set_secrets({"RACE": "new"}, "production")
        after_write = client.get_secrets("production")
        gate.set()
        in_flight.join(10)
        self.assertEqual(answers, [{"RACE": "old"}], "the answer it had")
        self.assertEqual(after_write, {"RACE": "new"}, "a read after the write does not join the one before it")
        self.assertEqual(client.get_secrets("production"), {"RACE": "new"}, "not cached over the write")

    def test_a_write_drops_the_entries_it_affects(self) -> None:
        project = create_project("cache writes")
        write(project, "production", {"DATABASE_URL": "postgres://db/prod", "FEATURE": "off"})
        write(project, "development", {"DATABASE_URL": "postgres://db/dev"})
        create_branch(project, "feature/new-ui")
        client = self.client(project)
        client.get_secrets("production")
        client.get_secrets("production", branch="feature/new-ui")
        client.get_secrets("development")
        reads = self.proxy.reads

        # A write to a branch drops that branch's entry, and only that one.
        client.set_secrets({"FEATURE": "on"}, "prod", branch="feature/new-ui")
        self.assertEqual(client.get_secrets("production", branch="feature/new-ui")["FEATURE"], "on")
        self.assertEqual(client.get_secrets("production")["FEATURE"], "off")
        client.get_secrets("development")
        self.assertEqual(self.proxy.reads, reads + 1)

        # A write to main shows through every branch of that environment: both entries go.
        client.set_secrets({"DATABASE_URL": "postgres://db/prod-2"}, "production")
        self.assertEqual(client.get_secrets("production", branch="feature/new-ui")["DATABASE_URL"], "postgres://db/prod-2")
        self.assertEqual(client.get_secrets("production")["DATABASE_URL"], "postgres://db/prod-2")
        client.get_secrets("development")
        self.assertEqual(self.proxy.reads, reads + 3, "development was still cached")

        # Even a refused write drops them: the cached values may be out of date.
        with self.assertRaises(XtraError):
            client.set_secrets({"FEATURE": "x"}, "production", expected_versions={"FEATURE": 99})
        client.get_secrets("production")
        self.assertEqual(self.proxy.reads, reads + 4)

    def test_inject_secrets_reads_through_the_cache(self) -> None:
        client = self.client(self.project)
        with environment(DATABASE_URL=None, API_KEY=None):
            self.assertEqual(sorted(client.inject_secrets("development")), ["API_KEY", "DATABASE_URL"])
            self.assertEqual(client.inject_secrets("development"), [], "all set now, none replaced")
            client.inject_secrets("development", override=True)
            self.assertEqual(self.proxy.reads, 1)
            client.inject_secrets("development", no_cache=True)
            self.assertEqual(self.proxy.reads, 2)

    def test_one_client_per_thread_pool_is_enough(self) -> None:
        # The documented pattern for web apps: one module-level client shared by request threads.
        client: XtraClient = self.client(self.project, cache_ttl=60)
        with ThreadPoolExecutor(max_workers=8) as pool:
            values = list(pool.map(lambda _: client.get_secrets("production")["DATABASE_URL"], range(200)))
        self.assertEqual(set(values), {"postgres://db/prod"})
        self.assertEqual(self.proxy.reads, 1)


if __name__ == "__main__":
    unittest.main()
