"""Wall time per step of a landcheck CLI run: the main functions wrapped with timers (no profiler,
whose per-call cost inflates Python-heavy steps), printed on stderr after the run. Nested steps
are counted in their callers too. Run from the checkout to measure:

    python benchmarks/cli_steps.py -q transfer PARCELS.gpkg --by operator -o OUT
    python benchmarks/cli_steps.py -q survey SURVEY.gpkg -o OUT
"""
import sys, time, importlib, functools
t0 = time.perf_counter()
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[1]))
from landcheck.cli import cli
t_imp = time.perf_counter() - t0
T = {}
TARGETS = {"landcheck.export": ["write_gpkg", "write_csv", "write_json"],
           "landcheck.spreadsheet.findings_book": ["write_findings_book"],
           "landcheck.overlay.union": ["union_by"], "landcheck.overlay.overlaps": ["self_overlaps"],
           "landcheck.layers.read": ["read_layer"], "landcheck.checks.transfer.check": ["check_transfer"],
           "landcheck.checks.survey.check": ["check_survey"],
           "landcheck.checks.survey.mapreduce": ["survey_partial", "survey_reduce"],
           "landcheck.checks.survey.attributes": ["feature_checks"],
           "landcheck.checks.transfer.findings": ["transfer_findings"],
           "landcheck.checks.transfer.summary": ["transfer_summary"],
           "landcheck.checks.printed": ["transfer_printed"],
           "landcheck.checks.transfer.blocks": ["number_blocks", "contiguous_blocks", "blocks_frame", "counted_once"],
           "landcheck.checks.transfer.parcels": ["parcels_frame", "usable_parcels"],
           "landcheck.pipeline.transfer": ["parcels_for_output", "blocks_for_output"],
           "landcheck.pipeline.outputs": ["write_outputs", "write_findings"],
           "landcheck.checks.farmland": ["check_farmland", "farmland_partial", "farmland_reduce", "_findings", "deoverlap"],
           "landcheck.checks.judge": ["judge_findings"], "landcheck.layers.crs": [],
           "landcheck.overlay.pairs": ["intersect_pairs"], "landcheck.overlay.cover": ["uncovered"],
           "landcheck.pipeline.farmland": ["farmland_job"]}
for modname, names in TARGETS.items():
    m = importlib.import_module(modname)
    for n in names:
        f = getattr(m, n)
        def make(f, key):
            @functools.wraps(f)
            def g(*a, **k):
                t = time.perf_counter()
                try:
                    return f(*a, **k)
                finally:
                    T[key] = T.get(key, 0) + time.perf_counter() - t
            return g
        g = make(f, n)
        for mm in list(sys.modules.values()):
            if getattr(mm, "__name__", "").startswith("landcheck"):
                for attr, val in list(vars(mm).items()):
                    if val is f:
                        setattr(mm, attr, g)
try:
    cli.main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(f"imports {t_imp:.2f}  total {time.perf_counter()-t0:.2f}", file=sys.stderr)
for k, v in sorted(T.items(), key=lambda kv: -kv[1]):
    print(f"  {k:40} {v:6.2f}", file=sys.stderr)
