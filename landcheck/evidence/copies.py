"""`--copy-to DIR`: copies of attached photos named by task and stage (SL-2026-0040_整改前_1.jpg), never
outside DIR, never twice (a file of DIR with the same content is the copy); the originals are only read.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..errors import LandcheckError
from ..export import atomic_path
from ..manifest import sha256
from ..text import file_stem

def copy_photos(items: list[tuple[Path, str, str, str]], target: Path) -> list[Path]:
    """Copy each (source, sha256, issue_id, stage word) into `target` as ISSUE_STAGE_N.suffix (N the first
    free number), unless a file of `target` already has that content. Returns the new copies."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise LandcheckError(f"{target}: --copy-to needs a folder, this is a file. Give a folder.")
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    present = {sha256(p) for p in target.iterdir() if p.is_file() and not p.is_symlink()}
    made = []
    for source, sha, issue_id, stage in items:
        if sha in present:
            continue
        stem = f"{file_stem(issue_id)}_{file_stem(stage)}_"
        suffix = source.suffix.lower() if re.fullmatch(r"\.[a-z0-9]{1,5}", source.suffix.lower()) else ".jpg"
        n = 1
        while (target / f"{stem}{n}{suffix}").exists():
            n += 1
        dest = target / f"{stem}{n}{suffix}"
        if dest.resolve().parent != root:  # pragma: no cover - file_stem leaves no separator
            raise LandcheckError(f"{dest}: would leave {target}; not copied.")
        with atomic_path(dest) as tmp:
            shutil.copyfile(source, tmp)
        present.add(sha)
        made.append(dest)
    return made
