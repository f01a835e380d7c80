"""Benchmark: landcheck's inspection map against a plain `folium.GeoJson` of the same findings.

    python benchmarks/bench_maps.py                  # 50 000 findings
    python benchmarks/bench_maps.py --findings 5000  # quick
    python benchmarks/bench_maps.py --no-browser     # sizes and write times only

Findings: the bundled sample township's survey patches (real shapes, ~8 vertices each) tiled side by
side until there are N of them, each with the finding columns (category, village, 地类, mu …); the
township's farmland and survey, tiled the same way, are the context layers of the full map.

Measures
  (a) landcheck: `inspection_map(findings)` + `write_map` (7-decimal integer deltas, columns,
      canvas renderer above 3000 shapes), online and --offline;
  (b) plain folium: `folium.GeoJson(findings.to_json())` with a `GeoJsonTooltip` and `GeoJsonPopup` of
      the same fields, `Map.save`;
  (c) landcheck with farmland and survey context (simplified to 1 m, 6 decimals);
and, in headless Chromium (CDN assets served locally, tiles answered with a blank PNG), the time from
navigation until every shape is on the map and the browser has painted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landcheck import maps  # noqa: E402
from landcheck.findings import make_findings  # noqa: E402
from landcheck.layers import read_layer  # noqa: E402

CATS = [("non_farm", "非农化（建设占用）", "拆除复耕"), ("non_grain", "非粮化（林果）", "退园还耕"),
        ("non_grain_crop", "种植非粮作物", "引导种粮"), ("abandoned", "撂荒", "复耕复种"),
        ("facility", "设施农用地（需核实备案）", "补办备案"), ("other", "其他非耕地（需核实）", "核实举证")]


def tiled(gdf: gpd.GeoDataFrame, copies: int, step: float) -> gpd.GeoDataFrame:
    """`copies` of `gdf` side by side, `step` metres apart (east), with a copy number."""
    parts = []
    for k in range(copies):
        g = gdf.copy()
        g["geometry"] = shapely.transform(g.geometry.values, lambda xy, k=k: xy + np.array([k * step, 0.0]))
        g["copy"] = k
        parts.append(g)
    return gpd.GeoDataFrame(np.concatenate([p.to_numpy() for p in parts]), columns=parts[0].columns,
                            geometry="geometry", crs=gdf.crs)


def make_data(n: int):
    survey, _ = read_layer(ROOT / "layers" / "survey" / "DLTB.shp", kind="survey", require_landuse=True)
    farmland, _ = read_layer(ROOT / "layers" / "farmland.gpkg", kind="farmland")
    x0, _, x1, _ = survey.total_bounds
    step = (x1 - x0) + 500.0
    copies = int(np.ceil(n / len(survey)))
    sv = tiled(survey[["DLBM", "DLMC", "ZLDWMC", "BSM", "geometry"]], copies, step)
    fm = tiled(farmland[["BSM", "geometry"]], copies, step)
    src = sv.iloc[:n]
    rng = np.random.default_rng(5)
    cat = rng.integers(0, len(CATS), n)
    villages = [f"{v}{c + 1}" for v, c in zip(src["ZLDWMC"], src["copy"])]
    data = {
        "check": ["farmland"] * n, "category": [CATS[c][0] for c in cat], "problem_type": [CATS[c][1] for c in cat],
        "suggested_measure": [CATS[c][2] for c in cat], "severity": ["error"] * n, "dlbm": list(src["DLBM"]),
        "dlmc": list(src["DLMC"]), "village": villages, "township": ["示例县"] * n, "patch_id": list(src["BSM"]),
        "farmland_id": [""] * n, "area_m2": shapely.area(src.geometry.values),
    }
    findings = make_findings(data, src.geometry.values, src.crs)
    return findings, fm, sv


def plain_folium(findings: gpd.GeoDataFrame, path: Path) -> None:
    import folium

    fields = ["finding_key", "village", "dlbm", "dlmc", "area_mu", "problem_type", "suggested_measure"]
    g = findings[fields + ["geometry"]].to_crs(4326)
    b = g.total_bounds
    m = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=11)
    folium.GeoJson(g.to_json(), name="findings",
                   tooltip=folium.GeoJsonTooltip(fields=["finding_key", "problem_type", "area_mu"]),
                   popup=folium.GeoJsonPopup(fields=fields)).add_to(m)
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    m.save(str(path))


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def browser_load(paths: dict[str, Path], n: int) -> dict[str, float]:
    """Seconds from navigation until all shapes are added and a frame has been painted."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright not installed: no browser timings")
        return {}
    chromium = shutil.which("chromium")
    if not chromium:
        print("chromium not installed: no browser timings")
        return {}
    assets = maps.offline_assets()
    out = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu",
                                                               "--disable-background-networking", "--disable-component-update",
                                                               "--no-first-run", "--disable-sync"])
        for name, path in paths.items():
            ctx = b.new_context(viewport={"width": 1280, "height": 800})

            def route(r):
                u = r.request.url
                if u.startswith("file:"):
                    return r.continue_()
                if u in assets:
                    return r.fulfill(status=200, body=assets[u], content_type="text/css" if u.endswith(".css") else "application/javascript")
                return r.fulfill(status=404, body="")

            ctx.route("**/*", route)
            page = ctx.new_page()
            page.set_default_timeout(600_000)
            t = time.perf_counter()
            page.goto(path.resolve().as_uri(), wait_until="load")
            if name.startswith("plain"):
                page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length >= {n}")
            else:
                page.wait_for_function("window.LC && LC.ready")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            out[name] = time.perf_counter() - t
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
            script = page.evaluate("window.LC && LC.t1 ? (LC.t1 - LC.t0) / 1000 : null")
            extra = f"   (landcheck's script {script:.2f} s)" if script is not None else ""
            print(f"  {name:<26} {out[name]:7.2f} s   JS heap {heap / 2**20:6.0f} MB{extra}")
            ctx.close()
        b.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--findings", type=int, default=50_000)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    n = args.findings
    (findings, farmland, survey), t_make = timed(make_data, n)
    nv = int(shapely.get_num_coordinates(findings.geometry.values).sum())
    print(f"{len(findings)} findings ({nv} vertices), context {len(farmland)} farmland + {len(survey)} survey patches "
          f"(made in {t_make:.1f} s)")
    tmp = Path(tempfile.mkdtemp(prefix="bench_maps."))
    paths = {"landcheck": tmp / "landcheck.html", "landcheck --offline": tmp / "offline.html",
             "plain folium.GeoJson": tmp / "plain.html", "landcheck + context": tmp / "context.html"}
    rows = []
    _, t = timed(lambda: maps.write_map(maps.inspection_map(findings), paths["landcheck"]))
    rows.append(("landcheck", t))
    _, t = timed(lambda: maps.write_map(maps.inspection_map(findings, offline=True), paths["landcheck --offline"]))
    rows.append(("landcheck --offline", t))
    _, t = timed(plain_folium, findings, paths["plain folium.GeoJson"])
    rows.append(("plain folium.GeoJson", t))
    _, t = timed(lambda: maps.write_map(maps.inspection_map(findings, farmland=farmland, survey=survey), paths["landcheck + context"]))
    rows.append(("landcheck + context", t))
    plain_mb = paths["plain folium.GeoJson"].stat().st_size / 1e6
    print(f"\n{'map':<26} {'HTML MB':>8} {'write s':>8} {'size vs plain':>14}")
    for name, t in rows:
        mb = paths[name].stat().st_size / 1e6
        print(f"{name:<26} {mb:8.1f} {t:8.1f} {mb / plain_mb:13.2f}×")
    if not args.no_browser:
        print("\nChromium load (navigation → all shapes added → painted):")
        browser_load({k: paths[k] for k in ("landcheck", "landcheck + context", "plain folium.GeoJson")}, n)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
