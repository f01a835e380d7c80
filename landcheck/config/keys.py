"""Known keys of a TOML file a person writes (landcheck.toml, a --rules file): an unknown key or table,
or a value of the wrong type, is an error naming the file, the line, the key and the closest known key.

A schema is a dict: key → a type (`NUMBER`, str, bool, list, `DATE`), a nested schema (a table), or a
list of those (any of them); the key `"*"` stands for any name (tables keyed by code or name).
Checks the parsed data against a schema; reads no file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re

from ..errors import LandcheckError

#: A number in TOML (an integer or a float; not a boolean).
NUMBER = "number"
#: A TOML date (or a text the parser turns into one later).
DATE = "date"
ANY = "*"

_TYPE_WORDS = {NUMBER: "a number", str: "a text in quotes", bool: "true or false", list: "a list [ … ]",
               DATE: "a date (2021-11-27)", dict: "a table"}


def _fits(value, spec) -> bool:
    if isinstance(spec, list):
        return any(_fits(value, s) for s in spec)
    if isinstance(spec, dict):
        return isinstance(value, dict)
    if spec == NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec == DATE:
        return isinstance(value, (dt.date, str))
    return isinstance(value, spec)


def _expected(spec) -> str:
    specs = spec if isinstance(spec, list) else [spec]
    return " or ".join(_TYPE_WORDS[dict if isinstance(s, dict) else s] for s in specs)


def line_of(text: str, dotted: str) -> int | None:
    """The line where `dotted` (a.b.c) is set or opened in the TOML `text`: a table header naming it,
    a `c = …` line inside table a.b, or a dotted key; None when it cannot be found."""
    parts = dotted.split(".")
    key = parts[-1]
    table: list[str] = []
    name = r'(?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_\-]+)'
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if '"' not in raw.split("#", 1)[0] else raw.strip()
        m = re.match(r"^\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$", line)
        if m:
            table = [p.strip().strip("\"'") for p in re.findall(name, m.group(1))]
            if table == parts:
                return n
            continue
        m = re.match(rf"^({name}(?:\s*\.\s*{name})*)\s*=", line)
        if m:
            keys = table + [p.strip().strip("\"'") for p in re.findall(name, m.group(1))]
            if keys[:len(parts)] == parts:
                return n
    return None


def check_keys(data: dict, schema: dict, source: str, text: str) -> None:
    """LandcheckError at the first key of `data` that `schema` does not know, or whose value has the
    wrong type: "FILE:LINE: unknown key a.b — did you mean c?" (closest known key by difflib)."""
    _check(data, schema, [], source, text)


def _where(source: str, text: str, path: list[str]) -> str:
    line = line_of(text, ".".join(path))
    return f"{source}:{line}" if line else source


def _check(data: dict, schema: dict, path: list[str], source: str, text: str) -> None:
    for key, value in data.items():
        here = [*path, str(key)]
        spec = schema.get(key, schema.get(ANY))
        if spec is None:
            known = [k for k in schema if k != ANY]
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            hint = f" — did you mean {close[0]}?" if close else f" (known: {', '.join(known)})" if known else ""
            kind = "table" if isinstance(value, dict) else "key"
            raise LandcheckError(f"{_where(source, text, here)}: unknown {kind} {'.'.join(here)}{hint}")
        if not _fits(value, spec):
            raise LandcheckError(f"{_where(source, text, here)}: {'.'.join(here)} must be {_expected(spec)}, "
                                 f"not {value!r}.")
        table = next((s for s in (spec if isinstance(spec, list) else [spec]) if isinstance(s, dict)), None)
        if isinstance(value, dict) and table is not None:
            _check(value, table, here, source, text)
