"""One photo → one record: WGS 84 position, time with its offset, direction, altitude, device, the DJI
drone attitude from the XMP packet, the content hash and a small JPEG thumbnail.

EXIF through Pillow's own reader (`Image.getexif().get_ifd`), XMP through xml.etree on a bounded packet.
Every file is untrusted: a size limit before reading, a pixel limit before decoding (a decompression bomb
is refused, never decoded); any failure becomes a record with a `reason` key, never an exception.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

#: Suffixes read as photos (HEIC only when pillow-heif is installed).
JPEG_SUFFIXES = (".jpg", ".jpeg")
HEIC_SUFFIXES = (".heic", ".heif")
#: The XMP packet is parsed only when at most this long (one JPEG APP1 segment holds < 64 KiB).
XMP_MAX_BYTES = 256 * 1024
DJI_NS = "http://www.dji.com/drone-dji/1.0/"
THUMB_PX = 160
GPS, EXIF = ExifTags.IFD.GPSInfo, ExifTags.IFD.Exif


@dataclass(frozen=True)
class Limits:
    """What a photo may be: bytes on disk and pixels (width × height) before it is decoded."""

    max_file_mb: float = 60.0
    max_megapixels: float = 200.0
    #: offset of times recorded without one (China Standard Time)
    default_offset: str = "+08:00"


@dataclass
class PhotoRecord:
    """What one photo says. `reason` is a key (evidence_reason_*) when it cannot be used: then the other
    fields may be empty. `taken_at` is ISO 8601 with its offset; lon/lat WGS 84 degrees."""

    path: str
    sha256: str = ""
    taken_at: str = ""
    lon: float | None = None
    lat: float | None = None
    altitude: float | None = None
    direction: float | None = None
    device: str = ""
    drone: bool = False
    gimbal_pitch: float | None = None
    relative_altitude: float | None = None
    thumbnail: str = ""  # base64 JPEG
    reason: str = ""
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def heic_available() -> bool:
    """Is a maintained HEIC reader (pillow-heif) installed? Registers it with Pillow when it is."""
    try:
        import pillow_heif  # type: ignore[import-not-found]
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def parse_offset(text: str) -> timezone:
    """'+08:00' → timezone(+8 h); ValueError when not ±HH:MM."""
    m = re.fullmatch(r"\s*([+-])(\d{1,2}):?(\d{2})\s*", text or "")
    if not m or int(m.group(2)) > 14 or int(m.group(3)) > 59:
        raise ValueError(f"not a UTC offset like +08:00: {text!r}")
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    return timezone(-delta if m.group(1) == "-" else delta)


def _ratio(v) -> float:
    return float(v[0]) / float(v[1]) if isinstance(v, tuple) and len(v) == 2 else float(v)


def _dms(value, ref) -> float | None:
    try:
        d, m, s = (_ratio(x) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    ref = ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref or "")
    return -deg if ref.strip().upper() in ("S", "W") else deg


def _number(value) -> float | None:
    try:
        x = _ratio(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return x if x == x and abs(x) != float("inf") else None


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return re.sub(r"[\x00-\x1f\x7f]", "", str(value or "")).strip()[:80]


def taken_at(exif_ifd: dict, base: dict, gps: dict, default: timezone) -> str:
    """DateTimeOriginal with OffsetTimeOriginal (else `default`); else DateTime; else the GPS UTC stamp
    shown in `default`. '' when the photo records no time."""
    for key, off_key in ((ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
                         (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized)):
        t = _text(exif_ifd.get(key))
        if t:
            try:
                naive = datetime.strptime(t[:19], "%Y:%m:%d %H:%M:%S")
            except ValueError:
                continue
            try:
                tz = parse_offset(_text(exif_ifd.get(off_key)))
            except ValueError:
                tz = default
            return naive.replace(tzinfo=tz).isoformat()
    t = _text(base.get(ExifTags.Base.DateTime))
    if t:
        try:
            return datetime.strptime(t[:19], "%Y:%m:%d %H:%M:%S").replace(tzinfo=default).isoformat()
        except ValueError:
            pass
    d, hms = _text(gps.get(ExifTags.GPS.GPSDateStamp)), gps.get(ExifTags.GPS.GPSTimeStamp)
    if d and hms:
        try:
            h, m, s = (_ratio(x) for x in hms)
            utc = datetime.strptime(d, "%Y:%m:%d").replace(tzinfo=timezone.utc) + timedelta(hours=h, minutes=m, seconds=int(s))
            return utc.astimezone(default).isoformat()
        except (TypeError, ValueError, ZeroDivisionError):
            pass
    return ""


def dji_xmp(packet: bytes | str | None) -> dict[str, float]:
    """DJI attributes (drone-dji:GimbalYawDegree, FlightYawDegree, GimbalPitchDegree, RelativeAltitude,
    AbsoluteAltitude) of an XMP packet, as numbers; {} when none or the packet is too long or not XML."""
    if not packet:
        return {}
    if isinstance(packet, str):
        packet = packet.encode("utf-8", "replace")
    if len(packet) > XMP_MAX_BYTES or b"<!ENTITY" in packet or b"<!DOCTYPE" in packet:
        return {}
    start = packet.find(b"<x:xmpmeta")
    end = packet.rfind(b"</x:xmpmeta>")
    if start >= 0 and end > start:
        packet = packet[start:end + len(b"</x:xmpmeta>")]
    try:
        root = ET.fromstring(packet)
    except ET.ParseError:
        return {}
    out: dict[str, float] = {}
    for el in root.iter():
        items = list(el.attrib.items())
        if el.tag.startswith("{" + DJI_NS) and el.text:
            items.append((el.tag, el.text))
        for k, v in items:
            if k.startswith("{" + DJI_NS):
                x = _number(str(v).strip().lstrip("+"))
                if x is not None:
                    out[k[len(DJI_NS) + 2:]] = x
    return out


def thumbnail(im: Image.Image) -> str:
    """A JPEG of at most THUMB_PX pixels a side (upright by its EXIF orientation), base64, a few KB."""
    im.draft("RGB", (THUMB_PX * 2, THUMB_PX * 2))
    small = ImageOps.exif_transpose(im.convert("RGB") if im.mode not in ("RGB", "L") else im)
    small.thumbnail((THUMB_PX, THUMB_PX))
    buf = io.BytesIO()
    small.convert("RGB").save(buf, "JPEG", quality=60, optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def read_photo(path: str | Path, limits: Limits = Limits()) -> PhotoRecord:
    """The record of the photo at `path`; `reason` set (and nothing raised) when it is too large, a
    decompression bomb, HEIC without a reader, or not an image Pillow can read."""
    path = Path(path)
    rec = PhotoRecord(path=str(path))
    default = parse_offset(limits.default_offset)
    if path.suffix.lower() in HEIC_SUFFIXES and not heic_available():
        rec.reason = "evidence_reason_heic"
        return rec
    try:
        size = path.stat().st_size
        if size > limits.max_file_mb * 1e6:
            rec.reason, rec.detail = "evidence_reason_too_large", f"{size / 1e6:.1f} MB"
            return rec
        data = path.read_bytes()
    except OSError as exc:
        rec.reason, rec.detail = "evidence_reason_unreadable", exc.strerror or type(exc).__name__
        return rec
    rec.sha256 = hashlib.sha256(data).hexdigest()
    max_pixels = int(limits.max_megapixels * 1e6)
    saved = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = max_pixels
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                w, h = im.size
                if w * h > max_pixels:
                    raise Image.DecompressionBombError(f"{w}×{h}")
                exif = im.getexif()
                base = dict(exif)
                gps = dict(exif.get_ifd(GPS))
                exif_ifd = dict(exif.get_ifd(EXIF))
                xmp = dji_xmp(im.info.get("xmp"))
                rec.thumbnail = thumbnail(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        rec.reason, rec.detail = "evidence_reason_bomb", f"> {limits.max_megapixels:g} MP"
        return rec
    except UnidentifiedImageError:
        rec.reason, rec.detail = "evidence_reason_unreadable", "UnidentifiedImageError"
        return rec
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        rec.reason, rec.detail = "evidence_reason_unreadable", _text(f"{type(exc).__name__}: {exc}")[:80]
        return rec
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    rec.lat = _dms(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    rec.lon = _dms(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if rec.lat is not None and rec.lon is not None and not (-90 <= rec.lat <= 90 and -180 <= rec.lon <= 180):
        rec.lat = rec.lon = None
    if rec.lat == 0 and rec.lon == 0:  # a phone without a fix writes 0/0
        rec.lat = rec.lon = None
    alt = _number(gps.get(ExifTags.GPS.GPSAltitude)) if ExifTags.GPS.GPSAltitude in gps else None
    if alt is not None and gps.get(ExifTags.GPS.GPSAltitudeRef) in (1, b"\x01"):
        alt = -alt
    rec.altitude = alt
    direction = _number(gps.get(ExifTags.GPS.GPSImgDirection)) if ExifTags.GPS.GPSImgDirection in gps else None
    rec.device = " ".join(dict.fromkeys(x for x in (_text(base.get(ExifTags.Base.Make)), _text(base.get(ExifTags.Base.Model))) if x))
    rec.taken_at = taken_at(exif_ifd, base, gps, default)
    if xmp or rec.device.upper().startswith("DJI"):
        rec.drone = True
        yaw = xmp.get("GimbalYawDegree", xmp.get("FlightYawDegree"))
        direction = yaw if yaw is not None else direction
        rec.gimbal_pitch = xmp.get("GimbalPitchDegree")
        rec.relative_altitude = xmp.get("RelativeAltitude")
        if rec.altitude is None:
            rec.altitude = xmp.get("AbsoluteAltitude")
    rec.direction = None if direction is None else direction % 360.0
    if rec.lat is None or rec.lon is None:
        rec.reason = "evidence_reason_no_position"
    return rec
