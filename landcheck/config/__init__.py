"""Configuration: the rules (thresholds, classes, the change checks' tables), the vocabulary of words
officers read, and a run's `landcheck.toml`, each read from TOML and checked.

Every rule table is parsed here and nowhere else; nothing here opens a layer.
"""

from __future__ import annotations

from .change_rules import (KINDS, ChangeKind, PatchRules, PatchType, change_kinds, change_patch_rules,
                           normalise_tblx)
from .facility_rules import FACILITY_KINDS, FACILITY_VERDICTS, FacilityRules, FacilityVerdict, facility_rules
from .rules import CATEGORIES, NOT_FINDINGS, Rule, Rules, load_rules
from .run import (CONFIG_TEMPLATE, LAYER_ROLES, LayerSpec, RunConfig, bundled_layers_dir, load_run_config,
                  sample_config)
from .words import Vocabulary, vocabulary

__all__ = [
    "CATEGORIES", "CONFIG_TEMPLATE", "FACILITY_KINDS", "FACILITY_VERDICTS", "KINDS", "LAYER_ROLES", "NOT_FINDINGS",
    "ChangeKind", "FacilityRules", "FacilityVerdict", "LayerSpec", "PatchRules", "PatchType", "Rule", "Rules",
    "RunConfig", "Vocabulary", "bundled_layers_dir", "change_kinds", "change_patch_rules", "facility_rules",
    "load_rules", "load_run_config", "normalise_tblx", "sample_config", "vocabulary",
]
