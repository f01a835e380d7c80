"""Map colours: every two categories drawn together stay apart (CIEDE2000 in CIELAB) for normal vision and
for simulated deuteranopia and protanopia (Machado, Oliveira & Fernandes 2009, severity 1, on linear RGB),
and the legend's text and the no-tiles notice read against their background (WCAG 2 ratio ≥ 4.5).
numpy only."""

from __future__ import annotations

import itertools
import re
from importlib import resources

import numpy as np
import pytest

from landcheck.config import vocabulary
from landcheck.maps.style import CATEGORY_COLOUR, MAP_CATEGORIES

#: Machado et al. 2009, severity 1.0 (linear RGB → linear RGB).
MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
}
MIN_DE2000 = 12.0


def rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0


def linear(c) -> np.ndarray:
    c = np.asarray(c, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def seen(c: np.ndarray, vision: str) -> np.ndarray:
    """Linear RGB as a viewer with `vision` sees it."""
    lin = linear(c)
    return lin if vision == "normal" else np.clip(lin @ MACHADO[vision].T, 0.0, 1.0)


def lab(lin: np.ndarray) -> np.ndarray:
    """Linear sRGB → CIELAB (D65)."""
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def de2000(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005)."""
    L1, a1, b1 = a[..., 0], a[..., 1], a[..., 2]
    L2, a2, b2 = b[..., 0], b[..., 1], b[..., 2]
    cb = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cb ** 7 / (cb ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dL, dC = L2 - L1, c2p - c1p
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lbp, cbp = (L1 + L2) / 2, (c1p + c2p) / 2
    hs = h1p + h2p
    hbp = np.where(np.abs(h1p - h2p) > 180, np.where(hs < 360, (hs + 360) / 2, (hs - 360) / 2), hs / 2)
    hbp = np.where(c1p * c2p == 0, hs, hbp)
    t = (1 - 0.17 * np.cos(np.radians(hbp - 30)) + 0.24 * np.cos(np.radians(2 * hbp))
         + 0.32 * np.cos(np.radians(3 * hbp + 6)) - 0.20 * np.cos(np.radians(4 * hbp - 63)))
    dth = 30 * np.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(cbp ** 7 / (cbp ** 7 + 25.0 ** 7))
    sl = 1 + 0.015 * (lbp - 50) ** 2 / np.sqrt(20 + (lbp - 50) ** 2)
    sc, sh = 1 + 0.045 * cbp, 1 + 0.015 * cbp * t
    rt = -np.sin(np.radians(2 * dth)) * rc
    return np.sqrt((dL / sl) ** 2 + (dC / sc) ** 2 + (dH / sh) ** 2 + rt * (dC / sc) * (dH / sh))


def test_ciede2000_matches_sharmas_published_pairs():
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425), ((50, 2.5, 0), (73, 25, -18), 27.1492),
             ((50, 2.5, 0), (50, 3.1736, 0.5854), 1.0), ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644)]
    for x, y, want in pairs:
        assert de2000(np.array(x, float), np.array(y, float)) == pytest.approx(want, abs=1e-4)


def test_simulation_merges_red_and_green_for_deuteranopes_only():
    red, green = rgb("#cc3333"), rgb("#339933")
    normal = de2000(lab(seen(red, "normal")), lab(seen(green, "normal")))
    deutan = de2000(lab(seen(red, "deuteranopia")), lab(seen(green, "deuteranopia")))
    assert normal > 50 and deutan < normal / 3


@pytest.mark.parametrize("vision", ["normal", "deuteranopia", "protanopia"])
def test_every_two_categories_on_a_map_are_apart(vision):
    assert set(MAP_CATEGORIES) <= set(CATEGORY_COLOUR) and set(MAP_CATEGORIES) <= {c for c in vocabulary().categories}
    close = []
    for a, b in itertools.combinations(MAP_CATEGORIES, 2):
        d = float(de2000(lab(seen(rgb(CATEGORY_COLOUR[a]), vision)), lab(seen(rgb(CATEGORY_COLOUR[b]), vision))))
        if d < MIN_DE2000:
            close.append(f"{a}/{b}: {d:.1f}")
    assert not close, f"categories too alike for {vision} (CIEDE2000 < {MIN_DE2000}): {close}"


def test_non_grain_and_transfer_non_grain_differ_even_to_colour_blind_viewers():
    a, b = rgb(CATEGORY_COLOUR["non_grain"]), rgb(CATEGORY_COLOUR["transfer_non_grain"])
    assert min(float(de2000(lab(seen(a, v)), lab(seen(b, v)))) for v in ("normal", "deuteranopia", "protanopia")) >= MIN_DE2000


# ------------------------------------------------------------------------------------------
# Text contrast (WCAG 2.x relative luminance)
# ------------------------------------------------------------------------------------------
def luminance(c: np.ndarray) -> float:
    return float(linear(c) @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(fg: np.ndarray, bg: np.ndarray) -> float:
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def css_rules() -> dict[str, str]:
    css = resources.files("landcheck.data").joinpath("map", "map.css").read_text(encoding="utf-8")
    return {sel.strip(): body for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)}


def colour_of(body: str, prop: str):
    mo = re.search(rf"(?:^|[;\s]){prop}:\s*(#[0-9a-fA-F]{{3,6}}|rgba?\([^)]*\))", body)
    if not mo:
        return None
    v = mo.group(1)
    if v.startswith("#"):
        v = v if len(v) == 7 else "#" + "".join(ch * 2 for ch in v[1:])
        return rgb(v), 1.0
    nums = [float(x) for x in re.findall(r"[\d.]+", v)]
    return np.array(nums[:3]) / 255.0, (nums[3] if len(nums) > 3 else 1.0)


def test_legend_text_and_tile_notice_read_on_their_background():
    rules = css_rules()
    bg, alpha = colour_of(rules[".lc-legend"], "background")
    # the legend's background is translucent: judge it over the darkest map beneath (black)
    legend_bg = bg * alpha
    checked = []
    for sel, body in rules.items():
        if sel.startswith(".lc-legend") and (fg := colour_of(body, "color")):
            ratio = contrast(fg[0], legend_bg)
            checked.append(sel)
            assert ratio >= 4.5, f"{sel}: text contrast {ratio:.2f} < 4.5"
    assert {".lc-legend", ".lc-legend h4", ".lc-legend .lc-small", ".lc-legend .lc-note"} <= set(checked)
    note = rules[".lc-tiles-note"]
    assert contrast(colour_of(note, "color")[0], colour_of(note, "background")[0]) >= 4.5
