"""Windows: a Job Object that limits each worker's memory and ends workers with the parent.

Windows has no ``RLIMIT_AS``. A Job Object with ``ProcessMemoryLimit`` makes
an allocation past the limit fail inside the worker (Python raises
``MemoryError``; a Rust reader aborts), which the pool reports as it does on
POSIX. ``KILL_ON_JOB_CLOSE`` ends every worker when the parent's handle to the
job closes, also when the parent crashes (Linux uses ``PR_SET_PDEATHSIG``), and
``DIE_ON_UNHANDLED_EXCEPTION`` keeps a crashing reader from opening an error
dialog that would wait for a click.

Imported on Windows only (pywin32). Not run by the test suite, which runs on
Linux; ``mypy --platform win32`` checks it against pywin32's type stubs.
"""

from __future__ import annotations

from typing import Any

import win32api
import win32con
import win32job


class MemoryJob:
    """A Job Object whose processes each get at most ``memory_bytes`` of committed memory."""

    def __init__(self, memory_bytes: int) -> None:
        create: Any = win32job.CreateJobObject  # returns a PyHANDLE (the type stubs say None)
        self.handle = create(None, "")
        info = win32job.QueryInformationJobObject(
            self.handle, win32job.JobObjectExtendedLimitInformation
        )
        info["ProcessMemoryLimit"] = memory_bytes
        info["BasicLimitInformation"]["LimitFlags"] |= (
            win32job.JOB_OBJECT_LIMIT_PROCESS_MEMORY
            | win32job.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
            | win32job.JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
        )
        win32job.SetInformationJobObject(
            self.handle, win32job.JobObjectExtendedLimitInformation, info
        )

    def add(self, pid: int) -> bool:
        """Put a worker in the job before it is given any task; False where Windows refuses.

        Refused, the worker runs without the limit, as a POSIX worker does where
        ``setrlimit`` is refused: the time limit still holds.
        """
        try:
            process = win32api.OpenProcess(
                win32con.PROCESS_SET_QUOTA | win32con.PROCESS_TERMINATE, False, pid
            )
        except win32api.error:
            return False
        try:
            win32job.AssignProcessToJobObject(self.handle, process)
        except win32job.error:
            return False
        finally:
            win32api.CloseHandle(process)
        return True

    def close(self) -> None:
        """Close the job; any worker still in it ends."""
        win32api.CloseHandle(self.handle)
