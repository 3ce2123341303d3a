"""Where a client takes its time from: the cache's TTL, the waits between retries. Private (not
part of the documented surface): each client reads its ``_clock`` attribute, which the SDK's own
tests replace with a clock they move, instead of sleeping."""

import time

__all__ = ["SYSTEM_CLOCK", "SystemClock"]


class SystemClock:
    """The real time: ``time.monotonic``, ``time.time`` and ``time.sleep``."""

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()

    @staticmethod
    def time() -> float:
        return time.time()

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
