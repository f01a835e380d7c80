"""`overlay.intersect_pairs(b_disjoint=True)`: on b polygons with disjoint interiors, the pairs whose patch
another b covers skip their interior test and the pieces are the same as without the flag; on b's
that overlap the flag loses pieces (why the farmland check sets it only on deoverlapped farmland)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from landcheck import overlay
from tests.helpers import H, W, X0, Y0, grid


def arr(geoms) -> np.ndarray:
    return np.array(list(geoms), dtype=object)


def interior_tests(monkeypatch) -> list[int]:
    """Count the pairs given to the interior pattern ("T********")."""
    seen: list[int] = []
    real = shapely.relate_pattern

    def spy(a, b, pattern, **kw):
        if pattern == "T********":
            seen.append(len(np.atleast_1d(a)))
        return real(a, b, pattern, **kw)

    monkeypatch.setattr(shapely, "relate_pattern", spy)
    return seen


def pairs_of(p) -> list[tuple[int, int, bool, float]]:
    return [(int(i), int(j), bool(w), round(float(a), 6)) for i, j, w, a in zip(p.ia, p.ib, p.whole, p.area)]


@pytest.mark.parametrize("threads", [1, 2])
def test_disjoint_b_skips_the_interior_test_and_keeps_the_pieces(monkeypatch, threads):
    # four patches in a row; b0 covers patches 0-1, b1 covers patch 2 and half of patch 3:
    # patch 1 (covered by b0) touches b1, patch 2 (covered by b1) touches b0
    a = arr(grid(4))
    b = arr([shapely.box(X0, Y0, X0 + 2 * W, Y0 + H), shapely.box(X0 + 2 * W, Y0, X0 + 3.5 * W, Y0 + H)])
    plain = overlay.intersect_pairs(a, b, threads=threads)
    seen = interior_tests(monkeypatch)
    fast = overlay.intersect_pairs(a, b, threads=threads, b_disjoint=True)
    assert pairs_of(plain) == pairs_of(fast) == [
        (0, 0, True, W * H), (1, 0, True, W * H), (2, 1, True, W * H), (3, 1, False, W * H / 2)]
    assert all(shapely.equals(g, h) for g, h in zip(plain.geometry, fast.geometry, strict=True))
    assert fast.geometry[0] is a[0]
    # of the three pairs that are not covered, (1, 1) and (2, 0) are skipped: only (3, 1) is tested
    assert sum(seen) == 1


def test_overlapping_b_lose_pieces_with_the_flag():
    # b1 overlaps b0 on the right half of patch 1, which b0 covers: the flag wrongly skips (1, 1)
    a = arr(grid(4))
    b = arr([shapely.box(X0, Y0, X0 + 2 * W, Y0 + H), shapely.box(X0 + 1.5 * W, Y0, X0 + 3 * W, Y0 + H)])
    right = pairs_of(overlay.intersect_pairs(a, b, threads=2))
    wrong = pairs_of(overlay.intersect_pairs(a, b, threads=2, b_disjoint=True))
    assert (1, 1, False, W * H / 2) in right
    assert [p for p in right if p[:2] != (1, 1)] == wrong
    # deoverlapped first (as the farmland check does), the flag is exact again
    d, _, _ = overlay.deoverlap(b)
    assert pairs_of(overlay.intersect_pairs(a, d, threads=2)) == pairs_of(
        overlay.intersect_pairs(a, d, threads=2, b_disjoint=True))

