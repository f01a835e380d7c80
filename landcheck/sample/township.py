"""`Township` (the four layers and the village list) and `make_township`, the generator: plan, blocks,
patches, land use, violations, noding, then the layers, in that fixed order (the rng is drawn from in
sequence, so reordering steps changes every output).

No I/O and no geometry work of its own: each step lives in its module."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .baseline import baseline_landuse
from .blocks import make_blocks
from .farmland import farmland_frame
from .geom import node_frame
from .patches import make_patches, merge_small
from .plan import make_plan
from .records import facility_frame, transfer_frame
from .stock import plant_old_orchards, town_boundary
from .survey import survey_frame
from .violations import farmland_groups, plant_ponds, plant_violations


@dataclass
class Township:
    """A synthetic township: four GeoDataFrames in EPSG:4527 plus its village list.

    `survey` (DLTB), `farmland` (YJJBNTBHTB), `transfer` (流转地块), `facility_records` (设施农用地备案);
    `villages` lists the 行政村/社区 with their 12-digit codes; `planted` counts the violations planted
    inside the farmland by kind (for the names-only variant also the farmland polygons drawn over
    settlement land and those without a class)."""

    survey: gpd.GeoDataFrame
    farmland: gpd.GeoDataFrame
    transfer: gpd.GeoDataFrame
    facility_records: gpd.GeoDataFrame
    villages: pd.DataFrame
    planted: dict[str, int] = field(default_factory=dict)
    seed: int = 0
    #: 城镇开发边界 of the seat(s) (`stock.town_boundary`), None when not drawn
    town_boundary: gpd.GeoDataFrame | None = None
    n_patches: int = 0
    #: "main" (三调 codes) or "names" (the names-only variant of `names.names_variant`)
    variant: str = "main"


def make_township(seed: int = 20261129, n_patches: int = 20_000) -> Township:
    """Build a synthetic township of about `n_patches` survey patches (EPSG:4527), deterministic in `seed`.

    The township's area is n_patches × AREA_PER_PATCH_M2 (3600 m²: 20 000 patches ≈ 72 km², a township;
    300 000 ≈ 1080 km², a county of 15 townships); it has max(3, n_patches/1000) villages and one
    seat per 20 000 patches (each with its own township code, 104 when there is one). No I/O."""
    if n_patches < 500:
        raise ValueError("n_patches must be at least 500 (a township with a seat and three villages)")
    rng = np.random.default_rng(seed)
    plan = make_plan(rng, n_patches)
    blocks = make_blocks(rng, plan)
    P = make_patches(rng, plan, blocks)
    baseline_landuse(rng, P, blocks, plan)
    P["group"] = farmland_groups(rng, P, plan)
    P, planted = plant_violations(rng, P, plan)
    plant_ponds(np.random.default_rng([seed, 1]), P, plan, planted)  # own rng: added later, changes no other draw
    P = merge_small(P, 30.0)                    # bits left where homes and sheds split fields
    P = node_frame(P)                           # an exact coverage: 0.1 mm grid, shared edges identical
    P = merge_small(P, 30.0, drop_below=0.0)    # pieces the noding left small, merged edge-exactly
    survey, order = survey_frame(P, plan)
    P = P.iloc[order].reset_index(drop=True)
    farmland = farmland_frame(rng, P, plan)
    transfer = transfer_frame(rng, survey, P, plan)
    facility = facility_frame(rng, survey, P)
    # added later, each with its own rng or none: the draws above stay as they were
    survey, farmland, planted["old_orchard"] = plant_old_orchards(np.random.default_rng([seed, 2]), survey, farmland, transfer)
    villages = plan.units[["code12", "name", "is_seat", "town_code", "x", "y", "radius"]].copy()
    return Township(survey=survey, farmland=farmland, transfer=transfer, facility_records=facility,
                    villages=villages, planted=planted, seed=seed, n_patches=n_patches,
                    town_boundary=town_boundary(survey, "示例镇"))
