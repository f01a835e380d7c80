"""Benchmark: landcheck's inspection map against a plain `folium.GeoJson` of the same findings.

    python benchmarks/bench_maps.py                  # 50 000 findings
    python benchmarks/bench_maps.py --findings 5000  # quick
    python benchmarks/bench_maps.py --no-browser     # sizes and write times only

Findings: the bundled sample township's survey patches tiled side by side until there are N, with the
finding columns; its farmland and survey, tiled the same way, are the context layers. Each map written
in its own process: (a) `inspection_map` + `write_map`, online and --offline; (b) `folium.GeoJson`
with a tooltip and popup of the same fields, `Map.save`; (c) landcheck with farmland and survey
context. Prints HTML size, write time and peak RSS, then the time headless Chromium takes (CDN assets
served locally, tiles answered with a blank PNG) until every shape is on the map and painted.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from harness import ROOT, measure, parse, result_line, run_child, tile

CATS = [("non_farm", "非农化（建设占用）", "拆除复耕"), ("non_grain", "非粮化（林果）", "退园还耕"),
        ("non_grain_crop", "种植非粮作物", "引导种粮"), ("abandoned", "撂荒", "复耕复种"),
        ("facility", "设施农用地（需核实备案）", "补办备案"), ("other", "其他非耕地（需核实）", "核实举证")]


def make_data(n: int):
    """N findings on tiled copies of the sample survey, and the tiled farmland and survey."""
    import shapely

    from landcheck.findings import make_findings
    from landcheck.layers import read_layer

    survey, _ = read_layer(ROOT / "layers" / "survey" / "DLTB.shp", kind="survey", require_landuse=True)
    farmland, _ = read_layer(ROOT / "layers" / "farmland.gpkg", kind="farmland")
    x0, _, x1, _ = survey.total_bounds
    step = (x1 - x0) + 500.0
    copies = int(np.ceil(n / len(survey)))
    sv = tile(survey[["DLBM", "DLMC", "ZLDWMC", "BSM", "geometry"]], copies, (step, 0.0), copies, copy_column="copy")
    fm = tile(farmland[["BSM", "geometry"]], copies, (step, 0.0), copies, copy_column="copy")
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


def plain_folium(findings, path: Path) -> None:
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


def child(mode: str, folder: str) -> dict:
    """Write one map from the pickled frames: time, memory and the HTML's size."""
    folder = Path(folder)
    import pandas as pd

    from landcheck import maps

    findings, farmland, survey = (pd.read_pickle(folder / f"{k}.pkl") for k in ("findings", "farmland", "survey"))
    path = folder / f"{mode}.html"
    write = {"landcheck": lambda: maps.write_map(maps.inspection_map(findings), path),
             "offline": lambda: maps.write_map(maps.inspection_map(findings, offline=True), path),
             "plain": lambda: plain_folium(findings, path),
             "context": lambda: maps.write_map(maps.inspection_map(findings, farmland=farmland, survey=survey), path)}
    _, m = measure(write[mode])
    return {**m, "mb": path.stat().st_size / 1e6}


#: the maps: name → child mode
MAPS = {"landcheck": "landcheck", "landcheck --offline": "offline", "plain folium.GeoJson": "plain",
        "landcheck + context": "context"}


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
    from landcheck import maps

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
    args = parse(ap, child)
    import shapely

    n = args.findings
    t = time.perf_counter()
    findings, farmland, survey = make_data(n)
    nv = int(shapely.get_num_coordinates(findings.geometry.values).sum())
    print(f"{len(findings)} findings ({nv} vertices), context {len(farmland)} farmland + {len(survey)} survey patches "
          f"(made in {time.perf_counter() - t:.1f} s)")
    tmp = Path(tempfile.mkdtemp(prefix="bench_maps."))
    for k, frame in (("findings", findings), ("farmland", farmland), ("survey", survey)):
        frame.to_pickle(tmp / f"{k}.pkl")
    r = {name: run_child(__file__, mode, tmp) for name, mode in MAPS.items()}
    plain_mb = r["plain folium.GeoJson"]["mb"]
    print(f"\n{'map':<26} {'HTML MB':>8} {'write s':>8} {'peak MB':>8} {'size vs plain':>14}")
    for name, e in r.items():
        print(f"{name:<26} {e['mb']:8.1f} {e['seconds']:8.1f} {e['peak_mb']:8.0f} {e['mb'] / plain_mb:13.2f}×")
    ratios = {"HTML MB plain/landcheck": plain_mb / r["landcheck"]["mb"],
              "write seconds plain/landcheck": r["plain folium.GeoJson"]["seconds"] / r["landcheck"]["seconds"]}
    load = {}
    if not args.no_browser:
        print("\nChromium load (navigation → all shapes added → painted):")
        load = browser_load({k: tmp / f"{MAPS[k]}.html" for k in ("landcheck", "landcheck + context",
                                                                  "plain folium.GeoJson")}, n)
        if load:
            ratios["Chromium load plain/landcheck"] = load["plain folium.GeoJson"] / load["landcheck"]
    shutil.rmtree(tmp, ignore_errors=True)
    result_line("bench_maps", {"findings": len(findings), "vertices": nv, "context_farmland": len(farmland),
                               "context_survey": len(survey)}, r, ratios, None,
                html_mb={k: round(e["mb"], 2) for k, e in r.items()},
                chromium_load_s={k: round(v, 2) for k, v in load.items()})


if __name__ == "__main__":
    main()
