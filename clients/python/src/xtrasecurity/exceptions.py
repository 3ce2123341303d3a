"""The one exception of the SDK: every failure of an :class:`~xtrasecurity.XtraClient` is an
:class:`XtraError`."""

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

__all__ = ["XtraConflict", "XtraError"]


@dataclass(frozen=True)
class XtraConflict:
    """One key of a refused check-and-set write: the version asked for and the one the server holds."""

    key: str
    expected: int
    actual: int


class XtraError(Exception):
    """Every failure of an XtraClient.

    ``message`` says what happened and what to do. ``code`` is one of ``invalid-configuration``,
    ``invalid-argument``, ``bad-request`` (400), ``unauthorized`` (401), ``forbidden`` (403),
    ``not-found`` (404), ``conflict`` (409, with ``conflicts``), ``rate-limited`` (429),
    ``unavailable`` (503), ``http-error`` (any other status), ``network-error``, ``timeout``,
    ``invalid-response`` or ``aborted`` (the shared read a call waited for was interrupted).
    ``status`` is the HTTP status of the answer that failed, if there was one.
    The underlying exception, if any, is ``__cause__``.
    """

    message: str
    code: str
    status: Optional[int]
    conflicts: Optional[List[XtraConflict]]

    def __init__(
        self,
        message: str,
        code: str = "error",
        status: Optional[int] = None,
        conflicts: Optional[List[XtraConflict]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.conflicts = conflicts

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        status = "" if self.status is None else f", status={self.status}"
        return f"XtraError({self.message!r}, code={self.code!r}{status})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Picklable (e.g. across multiprocessing) with every attribute, not only the message.
        return (type(self), (self.message, self.code, self.status, self.conflicts))
