"""调出补划 (issue 17): candidates of current 耕地 that can replace farmland taken out, the selection that
meets each village's need with few parcels, and the books (domain.md §9.7). Pure core; the CLI is
`cli/supplement.py`."""

from .candidates import REASONS, SupplementRules, find_candidates, supplement_rules
from .needs import MEASURE, figure_need, ledger_needs, open_tasks, preferred
from .select import TIERS, VillageNeed, candidate_ranks, pick, select, village_needs
from .summary import supplement_summary

__all__ = ["MEASURE", "figure_need", "ledger_needs", "open_tasks", "preferred", "REASONS", "TIERS", "SupplementRules", "VillageNeed", "candidate_ranks", "find_candidates",
           "pick", "select", "supplement_rules", "supplement_summary", "village_needs"]
