"""The bundled sample township (示例镇): a deterministic, realistic synthetic township.

`make_township(seed, n_patches)` builds, in memory and without any I/O, the four layers a township
land office works with, all in EPSG:4527 (CGCS2000 3° Gauss–Krüger zone 39, CM 117°E, zone-prefixed
eastings ~39 5xx xxx m), centred near 117.1°E 37.3°N (商河县, 济南市):

* `survey` — 地类图斑 DLTB: a complete coverage (no gaps, no overlaps, exactly noded) of irregular field
  parcels inside blocks bounded by 农村道路 1006 and 沟渠 1107 strips, a few 公路用地 1003 roads, a river
  1101, ponds, villages (0702 with 1004 streets), a township seat (镇驻地) and scattered other land;
* `farmland` — 永久基本农田 YJJBNTBHTB, drawn mostly from groups of adjacent cultivated patches (so its
  edges follow patch edges), some polygons cutting across patches;
* `transfer` — 流转地块 of ~15 operators per town, in contiguous blocks above and below 100 mu;
* `facility_records` — 设施农用地备案 polygons over some of the 1202 patches.

Inside the farmland a realistic mix of violations is planted (orchards, nurseries, fish ponds, homes,
a factory, unfiled facilities, non-grain crops, abandoned land, bare land), a few per village.

`write_township(t, out_dir)` writes the files the way real deliveries arrive: the DLTB Shapefile in
GBK without `.cpg` and `.prj` and with DBF language byte 0, the other layers as GeoPackages.
`python -m landcheck.sample OUT_DIR [--seed N] [--patches N]` regenerates the bundled `layers/`
(and its README.md, from `summary`). `expected_findings` estimates, independently of the checks, what
a farmland check should find.

Units: lengths and planar areas in metres / m² of EPSG:4527; every area written to an attribute is
ellipsoidal (CGCS2000, `units.ellipsoidal_area`) in m², or in mu (1 mu = 10000/15 m²) where named so.
Geometry work is vectorised shapely 2; Python loops run over blocks, villages or operators, not patches.

Modules, in the order the generator runs: `constants`, `geom` (vectorised helpers), `draw` (random
names and weighted codes), `plan` (outline, seats, villages, rivers, highways), `blocks`, `patches`,
`baseline` (land use at delineation), `violations` (farmland groups, planted changes), `survey`,
`farmland`, `records` (transfer, facility records), `township` (`make_township`), `expected`
(`expected_findings`, `summary`), `write`, `readme`, `cli` (`python -m landcheck.sample`).
This package file only re-exports the public names.
"""

from __future__ import annotations

from .cli import main
from .constants import (AREA_PER_PATCH_M2, BLOCK_H, BLOCK_JITTER, BLOCK_W, CENTRE_LONLAT, COOP_KINDS, COOP_WORDS,
                        COUNTY_CODE, COUNTY_NAME, EPSG, FACILITY_KINDS, FIELD, FRINGE, FRINGE_FACTOR, GIVEN_CHARS,
                        GRID_M, HIGHWAY, KCXS_TABLE, OPERATOR_MIX, RIVER, SEAT, SEAT_BLOCK_M, SEAT_UNIT_NAMES,
                        SINGLE_TOWN_CODE, STRIP, SURNAMES, SURVEY_YEAR, VILLAGE, VILLAGE_BLOCK_M, VILLAGE_SUFFIXES,
                        VIOLATIONS, ZZSX_NAMES)
from .expected import expected_findings, summary, transfer_blocks
from .readme import readme_text
from .township import Township, make_township
from .write import GPKG_LAYERS, write_dltb_shapefile, write_township

__all__ = [
    "AREA_PER_PATCH_M2", "BLOCK_H", "BLOCK_JITTER", "BLOCK_W", "CENTRE_LONLAT", "COOP_KINDS", "COOP_WORDS",
    "COUNTY_CODE", "COUNTY_NAME", "EPSG", "FACILITY_KINDS", "FIELD", "FRINGE", "FRINGE_FACTOR", "GIVEN_CHARS",
    "GPKG_LAYERS", "GRID_M", "HIGHWAY", "KCXS_TABLE", "OPERATOR_MIX", "RIVER", "SEAT", "SEAT_BLOCK_M",
    "SEAT_UNIT_NAMES", "SINGLE_TOWN_CODE", "STRIP", "SURNAMES", "SURVEY_YEAR", "Township", "VILLAGE",
    "VILLAGE_BLOCK_M", "VILLAGE_SUFFIXES", "VIOLATIONS", "ZZSX_NAMES", "expected_findings", "main",
    "make_township", "readme_text", "summary", "transfer_blocks", "write_dltb_shapefile", "write_township",
]
