"""Field evidence: phone and drone photos, and patrol tracks, attached to the ledger tasks they prove.

* `photos` — one photo → a record (position, time, direction, device, drone attitude, hash, thumbnail);
* `match` — records → tasks (inside, else nearest within a tolerance, facing it) and their stage;
* `tracks` — GPX tracks → the tasks they passed; `settings` — the [evidence] rules;
* `store` — the ledger's `photos` layer and history rows, written under the ledger's lock;
* `patrol` — the day's 巡查日志 from the ledger.
"""

from .match import STAGES, match_photos, stage_of, stage_times
from .photos import Limits, PhotoRecord, heic_available, read_photo
from .settings import EvidenceSettings, evidence_settings
from .tracks import Track, read_gpx, tasks_passed

__all__ = ["STAGES", "EvidenceSettings", "Limits", "PhotoRecord", "Track", "evidence_settings", "heic_available",
           "match_photos", "read_gpx", "read_photo", "stage_of", "stage_times", "tasks_passed"]
