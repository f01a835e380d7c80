"""The ledger's lock: a file beside it (``ledger.gpkg.lock``, created with O_EXCL) that a writer holds; a
second writer gets "ledger is in use", a lock left by a dead process of this machine is replaced.

Knows nothing of the ledger's content.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path
from collections.abc import Iterator

from ..errors import LandcheckError
from .schema import now


def lock_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".lock")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(lock: Path) -> dict:
    """What the lock file says about its writer ({} when empty or unreadable)."""
    try:
        return json.loads(lock.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def _lock_is_stale(lock: Path) -> bool:
    """A lock left by a process of this machine that is gone, or an empty lock file older than a minute
    (a writer that died between creating and filling it). A lock of another machine is never stale:
    the message tells the user to remove it by hand."""
    info = _holder(lock)
    if not info:
        try:
            return time.time() - lock.stat().st_mtime > 60
        except OSError:
            return True
    return info.get("host") == socket.gethostname() and not _pid_alive(int(info.get("pid", 0)))


@contextlib.contextmanager
def ledger_lock(path: str | Path, purpose: str = "write") -> Iterator[Path]:
    """Hold the ledger's lock file (``PATH.lock``) for the duration. A second writer gets a
    LandcheckError "ledger is in use"; a stale lock (dead process on this machine) is replaced."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if attempt == 1 and _lock_is_stale(lock):
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            info = _holder(lock)
            who = f" by process {info.get('pid')} on {info.get('host')} since {info.get('time')} ({info.get('purpose', '')})" if info else ""
            raise LandcheckError(
                f"{path}: ledger is in use{who}. Wait for the other landcheck to finish and try again; "
                f"if none is running, delete {lock}."
            ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"pid": os.getpid(), "host": socket.gethostname(), "time": now(), "purpose": purpose}, fh)
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
