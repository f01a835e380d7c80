"""What the transfer check finds: its check name, problem types, categories and measure. The words
come from the vocabulary (landcheck/data/vocabulary.toml); nothing is decided here.
"""

from __future__ import annotations

from ...config import vocabulary

CHECK = "transfer"

_words = vocabulary()
#: Problem types (the vocabulary's; the configured minimum replaces the 100 of the first).
BELOW_MIN = _words.label("transfer_below_min")
NON_GRAIN = _words.label("transfer_non_grain")
NON_FARM = _words.label("transfer_non_farm")
DATA_PROBLEM = _words.label("transfer_data_problem")

#: Finding categories of this check (kept apart from the farmland check's, so that a transferred orchard
#: inside farmland is not counted twice in lists made by category).
CATEGORY_BELOW_MIN = "transfer_below_min"
CATEGORY_NON_GRAIN = "transfer_non_grain"
CATEGORY_NON_FARM = "transfer_non_farm"
CATEGORY_OVERLAP = "transfer_overlap"

#: Measure of a block under the minimum (a township target, not a legal violation: severity warning) and
#: of an overlap of two contracts: both are for the officer to verify.
VERIFY_MEASURE = _words.label("transfer_verify")
