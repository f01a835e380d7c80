"""Unions by group: the union of the geometries that share a label, vectorised, and on threads for
many labels.

Pure shapely 2 on arrays; nothing prepared, nothing shared between threads.
"""

from __future__ import annotations

import numpy as np
import shapely

from .threads import n_threads, run


def group_union(geoms: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Union of the geometries of each group (group ids 0..n_groups-1); None for an empty group.
    Vectorised: one GeometryCollection per group, then an element-wise unary union."""
    out = np.full(n_groups, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(group, kind="stable")
    g, grp = geoms[order], group[order]
    counts = np.bincount(grp, minlength=n_groups)
    single = np.flatnonzero(counts == 1)
    first = np.searchsorted(grp, np.arange(n_groups))
    out[single] = g[first[single]]
    many = np.flatnonzero(counts > 1)
    if len(many):
        sel = np.isin(grp, many)
        gcs = shapely.geometrycollections(g[sel], indices=np.searchsorted(many, grp[sel]))
        out[many] = shapely.union_all(gcs[:, None], axis=1)
    return out


def union_by(geoms: np.ndarray, label: np.ndarray, n: int, threads: int | None = None) -> np.ndarray:
    """Union of the geometries of each label 0..n-1, in chunks of labels on threads (shapely releases
    the GIL; nothing prepared is shared). Single-member labels keep their geometry as it is."""
    threads = n_threads(max(1, int(threads)) if threads is not None else None)
    if threads == 1 or n < 64:
        return group_union(geoms, label, n)
    order = np.argsort(label, kind="stable")
    lab = label[order]
    cuts = np.linspace(0, n, threads * 4 + 1).astype(np.int64)
    starts = np.searchsorted(lab, cuts)
    spans = [(int(c0), int(c1), int(s0), int(s1)) for c0, c1, s0, s1
             in zip(cuts[:-1], cuts[1:], starts[:-1], starts[1:]) if c1 > c0]

    def work(span):
        c0, c1, s0, s1 = span
        return group_union(geoms[order[s0:s1]], lab[s0:s1] - c0, c1 - c0)

    return np.concatenate(run(work, spans, threads))
