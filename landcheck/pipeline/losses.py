"""What reading lost or guessed, for every input of a check (issue 15 item 3): features dropped and
repaired (with the first ids), text repaired, a CRS or an encoding guessed — summarised from the read
reports for summary.json `losses` and the console; a check that dropped more than a share of a layer's
features is refused before anything is written (`refuse_drops`), unless --allow-drops.

Pure: read reports (dicts) in, dicts and errors out.
"""

from __future__ import annotations

from ..errors import LandcheckError

#: How many feature ids a line names.
SHOWN = 5


def losses(read_reports: dict) -> dict[str, dict]:
    """Per input role with anything to say: {path, n_read, n_dropped, dropped_share, dropped_ids, reasons
    ({reason: n}), n_repaired, repaired_ids, crs (how it was settled when not declared), encoding (when
    detected), mojibake (values repaired), text_cleaned (values cleaned)}."""
    out = {}
    for role, rep in (read_reports or {}).items():
        rep = rep if isinstance(rep, dict) else rep.to_dict()
        dropped, repaired = rep.get("dropped") or [], rep.get("repaired") or []
        n_read = int(rep.get("n_read") or 0)
        reasons: dict[str, int] = {}
        for e in dropped:
            reasons[str(e.get("reason"))] = reasons.get(str(e.get("reason")), 0) + 1
        e = {"path": rep.get("path"), "n_read": n_read, "n_dropped": len(dropped),
             "dropped_share": round(len(dropped) / n_read, 6) if n_read else 0.0,
             "dropped_ids": [str(x.get("feature_id")) for x in dropped[:SHOWN]], "reasons": reasons,
             "n_repaired": len(repaired), "repaired_ids": [str(x.get("feature_id")) for x in repaired[:SHOWN]],
             "crs": rep.get("crs_source") if rep.get("crs_source") in ("inferred", "corrected") else None,
             "encoding": rep.get("encoding") if rep.get("encoding_source") == "detected" else None,
             "mojibake": int(sum((rep.get("mojibake_repaired") or {}).values())),
             "text_cleaned": int(sum((rep.get("text_cleaned") or {}).values()))}
        if e["n_dropped"] or e["n_repaired"] or e["crs"] or e["encoding"] or e["mojibake"] or e["text_cleaned"]:
            out[role] = e
    return out


def refuse_drops(found: dict[str, dict], max_share: float, allow_drops: bool) -> None:
    """LandcheckError naming every layer that dropped more than `max_share` of its features in reading
    (its results would be a false all-clear for the rest); nothing with `allow_drops`."""
    if allow_drops:
        return
    parts = []
    for role, e in found.items():
        if e["n_dropped"] and e["dropped_share"] > max_share:
            why = ", ".join(f"{r} ×{n}" for r, n in e["reasons"].items())
            parts.append(f"{e['path']}: {e['n_dropped']} of {e['n_read']} features dropped in reading "
                         f"({e['dropped_share'] * 100:.2f} %: {why}; first {', '.join(e['dropped_ids'])})")
    if parts:
        raise LandcheckError("; ".join(parts) + f". More than {max_share * 100:g} % of a layer is lost: a truncated or "
                             f"corrupt file? Repair the delivery (or check what is left with --allow-drops).")
