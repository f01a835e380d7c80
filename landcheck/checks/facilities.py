"""TEMPORARY STUB (replaced by the i13-facility branch)."""
import shapely
from ..config import Rule


def classify_records(records, rules):
    out = records.copy()
    out["verdict"] = "allowed"
    out["record_id"] = [str(i) for i in range(len(out))]
    out["filed_date"] = None
    return out, []


def allowed_union(classified, crs):
    if classified is None or not len(classified):
        return None
    a = classified[classified["verdict"] == "allowed"]
    if not len(a):
        return None
    return shapely.union_all(a.to_crs(crs).geometry.to_numpy())


def verdict_rule(rules, verdict):
    return Rule("facility", "warning", "设施农用地（需核实备案）", "补办备案")
