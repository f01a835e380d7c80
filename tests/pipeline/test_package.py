"""`landcheck.pipeline`'s names are imported on first use: one job does not import the others."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import landcheck.pipeline as pipeline

ROOT = Path(__file__).resolve().parents[2]


def test_every_exported_name_resolves_to_its_module():
    assert sorted(pipeline.__all__) == sorted(pipeline.EXPORTS)
    for name in pipeline.__all__:
        value = getattr(pipeline, name)
        assert getattr(sys.modules[pipeline.EXPORTS[name]], name) is value
    assert set(pipeline.__all__) <= set(dir(pipeline))
    with pytest.raises(AttributeError, match="no_such_name"):
        pipeline.no_such_name  # noqa: B018


def test_the_farmland_job_imports_neither_the_other_jobs_nor_their_libraries():
    script = ("import json, sys\nfrom landcheck.pipeline import JobOptions, farmland_job\n"
              "print(json.dumps(sorted(sys.modules)))")
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(r.stdout))
    assert "landcheck.pipeline.farmland" in loaded
    others = {"landcheck.pipeline.main_job", "landcheck.pipeline.transfer", "landcheck.pipeline.survey",
              "landcheck.pipeline.supplement", "landcheck.checks.transfer", "scipy"}
    assert sorted(loaded & others) == []
