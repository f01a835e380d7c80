"""`landcheck.pipeline` re-exports nothing: one job does not import the others."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_farmland_job_imports_neither_the_other_jobs_nor_their_libraries():
    script = ("import json, sys\nfrom landcheck.pipeline.options import JobOptions\nfrom landcheck.pipeline.farmland import farmland_job\n"
              "print(json.dumps(sorted(sys.modules)))")
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(r.stdout))
    assert "landcheck.pipeline.farmland" in loaded
    others = {"landcheck.pipeline.main_job", "landcheck.pipeline.transfer", "landcheck.pipeline.survey",
              "landcheck.pipeline.supplement", "landcheck.checks.transfer", "scipy"}
    assert sorted(loaded & others) == []
