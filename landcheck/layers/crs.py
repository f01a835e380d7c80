"""The CRS of a layer from its coordinates: infer a missing CRS (zone-prefixed CGCS2000
Gauss–Krüger eastings, lon/lat), tell when a declared CRS contradicts the coordinates (with the
likely right one), and settle the CRS a read uses (`--crs`, declared, corrected or inferred).

Looks at the extent only: never reprojects or measures the features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyproj import CRS

from .. import units
from ..errors import LandcheckError
from .report import ReadReport


def _tm_params(crs: CRS) -> tuple[float, float] | None:
    """(central meridian, false easting) of a Transverse Mercator CRS, else None."""
    op = crs.coordinate_operation
    if op is None or "Transverse Mercator" not in (op.method_name or ""):
        return None
    lon0 = fe = None
    for prm in op.params:
        name = prm.name.lower()
        if "longitude of natural origin" in name or "central meridian" in name:
            lon0 = prm.value
        elif name == "false easting":
            fe = prm.value
    if lon0 is None or fe is None:
        return None
    return lon0, fe


def infer_crs(bounds: tuple[float, float, float, float]) -> tuple[CRS | None, str]:
    """CRS implied by the coordinates alone: zone-prefixed CGCS2000 Gauss–Krüger eastings, or
    lon/lat (EPSG:4490 inside China, EPSG:4326 elsewhere); (None, why) when it cannot be told."""
    minx, miny, maxx, maxy = bounds
    if minx >= 1e7:
        zmin, zmax = int(minx / 1e6), int(maxx / 1e6)
        epsg = units.epsg_from_prefixed_easting(minx)
        if epsg and zmin == zmax and 0 <= miny and maxy < 1e7:
            return CRS.from_epsg(epsg), f"eastings carry the Gauss–Krüger zone prefix {zmin}"
        return None, f"eastings {minx:.0f}–{maxx:.0f} do not match one CGCS2000 Gauss–Krüger zone"
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        if 73 <= minx and maxx <= 136 and 3 <= miny and maxy <= 54:
            return CRS.from_epsg(4490), "coordinates are longitude/latitude inside China (CGCS2000)"
        return CRS.from_epsg(4326), "coordinates are longitude/latitude outside China (WGS 84)"
    return None, "plain projected coordinates without a zone prefix"


def check_crs(crs: CRS, bounds: tuple[float, float, float, float]) -> tuple[str | None, CRS | None]:
    """(warning, likely CRS) when `crs` contradicts the coordinates; (None, None) when it fits."""
    minx, miny, maxx, maxy = bounds
    if crs.is_geographic:
        if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
            return None, None
        likely, _ = infer_crs(bounds)
        return f"declared {_crs_label(crs)} is geographic (degrees) but the coordinates are metre-sized ({minx:.0f}, {miny:.0f})", likely
    if crs.is_projected and -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        # before the Gauss–Krüger checks: degrees are not "eastings without the zone prefix"
        likely, _ = infer_crs(bounds)
        return f"declared {_crs_label(crs)} is projected (metres) but the coordinates look like degrees", likely
    tm = _tm_params(crs)
    if tm is not None:
        lon0, fe = tm
        if fe >= 1e6:  # zone-prefixed Gauss–Krüger
            zone = int(fe / 1e6)
            if maxx < 1e7:
                likely = _gk_epsg_for_cm(lon0, prefixed=False, six=_is_six_degree(zone))
                return (f"declared {_crs_label(crs)} has zone-prefixed eastings ({zone} xxx xxx) but the eastings are "
                        f"{minx:.0f}–{maxx:.0f} (no prefix)"), likely
            if int(minx / 1e6) != zone:
                likely, _ = infer_crs(bounds)
                return f"declared {_crs_label(crs)} is zone {zone} but the eastings carry zone prefix {int(minx / 1e6)}", likely
            return None, None
        if minx >= 1e7:
            likely, _ = infer_crs(bounds)
            return (f"declared {_crs_label(crs)} has no zone prefix but the eastings ({minx:.0f}) carry one"), likely
    aou = crs.area_of_use
    if aou is not None and crs.is_projected:
        try:
            (lon,), (lat,) = units.to_lonlat((minx + maxx) / 2, (miny + maxy) / 2, crs)
        except Exception:  # pragma: no cover - defensive
            return None, None
        if np.isfinite(lon) and not (aou.west - 5 <= lon <= aou.east + 5 and aou.south - 5 <= lat <= aou.north + 5):
            return f"the data centre ({lon:.2f}, {lat:.2f}) lies outside the area of use of {_crs_label(crs)}", None
    return None, None


def _is_six_degree(zone: int) -> bool:
    return zone in units.GK6_ZONES


def _gk_epsg_for_cm(lon0: float, prefixed: bool, six: bool = False) -> CRS | None:
    if six:
        zone = int(round((lon0 + 3) / 6))
        return CRS.from_epsg(units.gk6_epsg(zone, prefixed)) if zone in units.GK6_ZONES else None
    zone = int(round(lon0 / 3))
    return CRS.from_epsg(units.gk3_epsg(zone, prefixed)) if zone in units.GK3_ZONES else None


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else (crs.name or "the CRS")


def crs_id(crs: CRS) -> str:
    """`EPSG:nnnn` when the CRS has one, else its WKT."""
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


#: China's extent in lon/lat (with a margin): CGCS2000 data outside it is in another CRS.
CHINA_LONLAT = (73.0, 3.0, 135.5, 54.0)
#: How far (degrees of longitude) data may reach beyond the Gauss–Krüger zone its CRS names.
ZONE_MARGIN_DEG = 0.5


def _gk_band(crs: CRS) -> tuple[float, float] | None:
    """(west, east) of a CGCS2000 Gauss–Krüger zone (EPSG 4491–4554), None for other CRSs."""
    epsg = crs.to_epsg(min_confidence=70) or 0
    if not 4491 <= epsg <= 4554:
        return None
    tm = _tm_params(crs)
    if tm is None:
        return None
    half = 3.0 if epsg <= 4512 else 1.5
    return tm[0] - half, tm[0] + half


def implausible_cgcs2000(crs: CRS, bounds) -> str | None:
    """Why a CGCS2000 CRS (EPSG:4490 or a Gauss–Krüger zone) cannot be the data's: its coordinates
    fall outside China, or more than ZONE_MARGIN_DEG outside the zone; None when they fit (or for
    another CRS, which is not judged here)."""
    epsg = crs.to_epsg(min_confidence=70) or 0
    if epsg != 4490 and not 4491 <= epsg <= 4554:
        return None
    minx, miny, maxx, maxy = bounds
    xs, ys = [minx, maxx, minx, maxx], [miny, miny, maxy, maxy]
    if epsg == 4490:
        lon, lat = np.array(xs, dtype="float64"), np.array(ys, dtype="float64")
    else:
        lon, lat = units.to_lonlat(xs, ys, crs)
    w, s_, e, n = CHINA_LONLAT
    where = f"lon {np.nanmin(lon):.2f}–{np.nanmax(lon):.2f}, lat {np.nanmin(lat):.2f}–{np.nanmax(lat):.2f}"
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return f"its coordinates do not convert to longitude/latitude in {crs_id(crs)}"
    if lon.min() < w or lon.max() > e or lat.min() < s_ or lat.max() > n:
        return f"in {crs_id(crs)} the coordinates lie outside China ({where})"
    band = _gk_band(crs)
    if band is not None and (lon.min() < band[0] - ZONE_MARGIN_DEG or lon.max() > band[1] + ZONE_MARGIN_DEG):
        return (f"in {crs_id(crs)} the coordinates lie more than {ZONE_MARGIN_DEG}° outside its zone "
                f"({band[0]:.1f}–{band[1]:.1f}°E; data {where})")
    return None


def settle_crs(declared: CRS | None, option: str | None, bounds, path: Path, report: ReadReport) -> CRS:
    """Decide the CRS: --crs, else declared (checked against the coordinates), else inferred."""
    extent = f"extent x {bounds[0]:.2f}–{bounds[2]:.2f}, y {bounds[1]:.2f}–{bounds[3]:.2f}"
    if option:
        try:
            crs = CRS.from_user_input(option)
        except Exception:
            raise LandcheckError(f"{path}: --crs '{option}' is not a CRS pyproj knows. Use e.g. EPSG:4527.") from None
        source = "option"
        warning, likely = check_crs(crs, bounds)
        if warning:
            report.crs_warning = f"{warning}; kept as given with --crs"
            report.likely_crs = crs_id(likely) if likely else None
    elif declared is not None:
        crs, source = declared, "declared"
        warning, likely = check_crs(declared, bounds)
        if warning:
            report.crs_warning = warning
            report.likely_crs = crs_id(likely) if likely else None
            if likely is not None:
                crs, source = likely, "corrected"
                report.crs_warning += f"; read as {crs_id(likely)} (pass --crs to force another)"
            elif "degrees" in warning or "metre-sized" in warning:
                raise LandcheckError(
                    f"{path}: {warning} ({extent}). Pass the right CRS with --crs (e.g. EPSG:4527 or EPSG:4548)."
                )
    else:
        crs, why = infer_crs(bounds)
        if crs is None:
            raise LandcheckError(
                f"{path}: has no CRS (.prj missing) and it cannot be inferred: {why} ({extent}). "
                f"Pass it with --crs, e.g. EPSG:4548 for CGCS2000 3° GK CM 117°E without zone prefix."
            )
        source = "inferred"
        report.warn(f"no CRS declared; inferred {crs_id(crs)} because {why}")
    why = implausible_cgcs2000(crs, bounds)
    if why:  # never judge data placed somewhere else: the wrong file, CRS or unit (e.g. Web Mercator metres)
        how = {"option": "given with --crs", "declared": "declared", "corrected": "read from the coordinates",
               "inferred": "inferred"}[source]
        raise LandcheckError(f"{path}: the CRS {how} cannot be right: {why} ({extent}). Check that this is the right "
                             f"file; if its .prj is wrong, pass the CRS the coordinates are in with --crs.")
    report.crs = crs_id(crs)
    report.crs_name = crs.name
    report.crs_source = source
    return crs
