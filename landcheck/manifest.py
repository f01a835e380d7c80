"""manifest.json: which files of an output folder landcheck wrote (size, sha256), when and by which
command; written last, so that a folder whose manifest matches its files is one whole run.

`begin` (before a run writes into a folder) marks the manifest "in progress" and removes the stale
temporary files of interrupted runs; `write_manifest` (after) lists what the run wrote there; `verify` (readers) refuses
a results folder whose manifest is missing or does not match, naming the file. Owns no other file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from .errors import LandcheckError
from .export import TMP_PREFIX, atomic_path

MANIFEST = "manifest.json"
#: Files whose presence marks a folder as a results folder (it must then have a matching manifest).
RESULT_MARKERS = ("summary.json",)
#: Temporary files of landcheck before TMP_PREFIX (e.g. `.ledger.abcd1234.gpkg` left by kill -9) older than this
LEGACY_TMP_AGE_S = 3600


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: str | Path) -> dict | None:
    """The folder's manifest, None when it has none or it is not one landcheck wrote."""
    p = Path(folder) / MANIFEST
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def owned_files(folder: str | Path) -> set[str]:
    """Names (relative paths) of the files the folder's manifest says landcheck wrote there."""
    m = read_manifest(folder)
    return set(m["files"]) if m else set()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale(folder: str | Path, legacy_stems: tuple[str, ...] = ("ledger",)) -> list[Path]:
    """Remove temporary files and folders of interrupted landcheck runs in `folder`: `.lc-tmp-PID-…` of a
    process that no longer runs, and the copies older versions named `.STEM.<random>.ext` (e.g.
    `.ledger.k3j9x2ab.gpkg`) left for more than an hour. Returns what was removed."""
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        name = p.name
        stale = False
        if name.startswith(TMP_PREFIX):
            pid = name[len(TMP_PREFIX):].split("-", 1)[0]
            stale = pid.isdigit() and not _alive(int(pid))
        elif any(name.startswith(f".{s}.") for s in legacy_stems) and len(name.split(".")) == 4:
            try:
                stale = time.time() - p.stat().st_mtime > LEGACY_TMP_AGE_S
            except OSError:
                stale = False
        if stale:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() and not p.is_symlink() else p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def _header() -> dict:
    return {"written_by": "landcheck", "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else ""}


def begin(folder: str | Path) -> list[Path]:
    """Before a run writes into `folder`: its manifest replaced by one that says a run is in progress
    (until it ends, the folder is not one whole run and readers refuse it), the previous manifest's files kept
    listed as landcheck's, stale temporary files cleaned. Returns what was cleaned."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    previous = (read_manifest(folder) or {}).get("files", {})
    data = {**_header(), "complete": False, "files": {k: {"mutable": True} for k in previous}}
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return clean_stale(folder)


def write_manifest(folder: str | Path, files, keep: bool = False, mutable=()) -> Path:
    """Write `folder`/manifest.json last: every file of `files` inside `folder` with its size and
    sha256, the time and the command line. `keep`: entries of the present manifest for files that
    still exist are kept (a file written into a folder another command owns, e.g. the ledger). `mutable`:
    files that other commands change on purpose (the ledger by `ledger import`, its workbook by officers):
    listed as landcheck's, checked for presence only."""
    folder = Path(folder)
    old = (read_manifest(folder) or {}).get("files", {}) if keep else {}
    entries = {k: v for k, v in old.items() if (folder / k).is_file()}
    for f in files:
        f = Path(f)
        try:
            rel = f.resolve().relative_to(folder.resolve())
        except ValueError:
            continue
        if f.is_file():
            entries[rel.as_posix()] = ({"mutable": True} if f in {Path(m) for m in mutable} else
                                       {"size": f.stat().st_size, "sha256": sha256(f)})
    data = {**_header(), "complete": True, "files": dict(sorted(entries.items()))}
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder / MANIFEST


def write_manifests(folder: str | Path, files, apart=()) -> Path:
    """A run's manifests, last: `folder`'s of `files`, and for each file of `apart` (a map written
    where the user asked) not directly in `folder`, its own folder's manifest, keeping the entries of
    what else lives there (other maps, officers' files are not listed)."""
    folder = Path(folder).resolve()
    own = [f for f in apart if Path(f).resolve().parent != folder]
    path = write_manifest(folder, [f for f in files if f not in own])
    for f in own:
        write_manifest(Path(f).parent, [f], keep=True)
    return path


def mismatch(folder: str | Path) -> str | None:
    """Why `folder` is not one whole run ('' reasons → None): the manifest missing beside a
    summary.json, or a listed file missing or changed."""
    folder = Path(folder)
    m = read_manifest(folder)
    if m is None:
        if any((folder / r).exists() for r in RESULT_MARKERS):
            return (f"{folder / MANIFEST}: missing (the run that wrote {folder} was interrupted, or was a landcheck "
                    f"older than manifest.json)")
        return None
    if m.get("complete") is False:
        return (f"{folder / MANIFEST}: the run started {m.get('time')} ({m.get('command')}) did not finish "
                f"(interrupted or failed)")
    for name, e in m["files"].items():
        p = folder / name
        if not p.is_file():
            return f"{p}: listed in {MANIFEST} but missing"
        if e.get("mutable"):
            continue
        if p.stat().st_size != e.get("size") or sha256(p) != e.get("sha256"):
            return f"{p}: differs from {MANIFEST} (written by another run, or changed since)"
    return None


def verify(folder: str | Path) -> None:
    """Refuse (LandcheckError, exit 2) a results folder whose manifest does not match, naming the file."""
    why = mismatch(folder)
    if why:
        raise LandcheckError(f"{why}; its files do not describe one run. Run the check again into {Path(folder)}.")
