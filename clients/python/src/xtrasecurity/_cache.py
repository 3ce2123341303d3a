"""The in-memory secrets cache of one client, safe to share between threads."""

import threading
from concurrent.futures import Future
from typing import Callable, Dict, Mapping, NamedTuple, Optional, Tuple

from .exceptions import XtraError

__all__ = ["CacheEntry", "SecretCache", "Target"]


class Target(NamedTuple):
    """What one read names: a project's environment (normalised), seen through a branch."""

    project_id: str
    env: str
    branch: str


class CacheEntry(NamedTuple):
    #: The server's answer. Never handed out: callers get copies.
    secrets: Mapping[str, str]
    #: When the server answered (time.time()).
    fetched_at: float
    #: Until when the entry is served without asking the server (the ``monotonic`` of ``now``); the entry is
    #: kept after that, for stale-on-error.
    expires_at: float


class SecretCache:
    """Entries by (project, environment, branch). They outlive their TTL (they are what
    stale-on-error serves) until replaced or invalidated.

    One lock guards the maps; it is never held while a request is in flight. Concurrent misses of
    one target share one request (the first caller sends it, the others wait for its outcome).
    """

    def __init__(self, now: Callable[[], float]) -> None:
        #: The client's monotonic time, which expires_at is counted in.
        self._now = now
        self._lock = threading.Lock()
        self._entries: Dict[Target, CacheEntry] = {}
        self._pending: Dict[Target, "Future[CacheEntry]"] = {}
        # Bumped by every invalidation: a read that began before it may carry the old values, so
        # it must not store them.
        self._generation = 0

    def get(self, target: Target) -> Optional[CacheEntry]:
        with self._lock:
            return self._entries.get(target)

    def share(self, target: Target, read: Callable[[], CacheEntry]) -> Tuple[CacheEntry, bool]:
        """Runs ``read`` unless a read of ``target`` is already in flight (then waits for that
        one's outcome), and stores what it yields. An entry that became fresh since the caller
        looked (another thread's read just ended) is returned as it is: the second item of the
        result says so."""
        with self._lock:
            entry = self._entries.get(target)
            if entry is not None and entry.expires_at > self._now():
                return entry, True
            future = self._pending.get(target)
            leader = future is None
            if future is None:
                future = Future()
                self._pending[target] = future
            generation = self._generation
        if not leader:
            return future.result(), False  # the leader's entry, or its exception raised here
        try:
            entry = read()
        except BaseException as error:
            with self._lock:
                if self._pending.get(target) is future:
                    del self._pending[target]
            # The threads that waited get the same failure; but an interruption of this thread
            # (KeyboardInterrupt, SystemExit) is this thread's, not theirs.
            future.set_exception(error if isinstance(error, Exception) else XtraError("the read this call was waiting for was interrupted: try again", "aborted"))
            raise
        with self._lock:
            if generation == self._generation:
                self._entries[target] = entry
            if self._pending.get(target) is future:
                del self._pending[target]
        future.set_result(entry)
        return entry, False

    def store_after(self, target: Target, read: Callable[[], CacheEntry]) -> CacheEntry:
        """Runs ``read`` and stores its entry, unless the cache was invalidated meanwhile."""
        with self._lock:
            generation = self._generation
        entry = read()
        with self._lock:
            if generation == self._generation:
                self._entries[target] = entry
        return entry

    def invalidate(self, project_id: Optional[str] = None, env: Optional[str] = None, branch: Optional[str] = None) -> None:
        """Forgets everything (no arguments), or the entries of one environment of a project (of
        one of its branches, when ``branch`` is given). Reads in flight for them are no longer
        joined by later reads, and do not store their answers."""
        with self._lock:
            self._generation += 1
            if project_id is None:
                self._entries.clear()
                self._pending.clear()
                return

            def affected(key: Tuple[str, str, str]) -> bool:
                return key[0] == project_id and key[1] == env and (branch is None or key[2] == branch)

            for key in [key for key in self._entries if affected(key)]:
                del self._entries[key]
            for key in [key for key in self._pending if affected(key)]:
                del self._pending[key]
