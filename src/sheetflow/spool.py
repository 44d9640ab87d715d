"""Values put aside in a temporary file as they arrive, read back one at a time.

issue's workers send back each center's workbook description with its layout
(about 30 KB compressed); a thousand of them waiting to be recorded in one
transaction grew the parent by 31 MB while its workers ran. The spool keeps
them on disk instead, so what the parent holds does not grow with the number
of centers. The file is this process's own (``tempfile.TemporaryFile``: no
name on POSIX, deleted on close on Windows) and is read back only by it.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any


class Spool:
    """An append-only store of picklable values, addressed by where each begins."""

    def __init__(self) -> None:
        self._fh = tempfile.TemporaryFile(prefix="sheetflow-")  # noqa: SIM115 - closed by close()

    def put(self, value: Any) -> int:
        """Keep ``value``; the returned place gives it back."""
        place = self._fh.seek(0, 2)
        pickle.dump(value, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        return place

    def get(self, place: int) -> Any:
        """The value kept at ``place``."""
        self._fh.seek(place)
        return pickle.load(self._fh)

    def each(self, places: Iterable[int]) -> Iterator[Any]:
        """The values at ``places``, one at a time."""
        for place in places:
            yield self.get(place)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
