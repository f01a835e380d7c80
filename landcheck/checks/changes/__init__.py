"""Change detection for `landcheck survey`: this year's survey against the baseline survey
(`compare_baseline`) and 卫片 / 无人机 change patches placed on the baseline and permanent basic
farmland (`check_change_patches`). What counts as a change, and how the books balance: docs/changes.md.

Pure: GeoDataFrames in, changes + findings + summary out; no printing, no files. The rules of
[changes] and [change_patches] are parsed in `landcheck.config` (re-exported here).
"""

from __future__ import annotations

from ...config import KINDS, ChangeKind, PatchRules, PatchType, change_kinds, change_patch_rules, normalise_tblx
from .baseline import compare_baseline
from .classes import change_kind
from .frames import (CHANGE_COLUMNS, CHECK, FINDING_EXTRA, PATCH_CHECK, PATCH_COLUMNS, ChangeResult, changes_for_output,
                     changes_for_report)
from .patches import PATCH_FIELDS, check_change_patches

__all__ = [
    "CHANGE_COLUMNS", "CHECK", "FINDING_EXTRA", "KINDS", "PATCH_CHECK", "PATCH_COLUMNS", "PATCH_FIELDS", "ChangeKind",
    "ChangeResult", "PatchRules", "PatchType", "change_kind", "change_kinds", "change_patch_rules", "changes_for_output",
    "changes_for_report", "check_change_patches", "compare_baseline", "normalise_tblx",
]
