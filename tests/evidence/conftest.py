"""Photos and tracks made in the test: JPEGs with EXIF (Pillow's Exif API) and DJI XMP, GPX (gpxpy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

XMP = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       '<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GimbalYawDegree="{yaw}" '
       'drone-dji:GimbalPitchDegree="-30.0" drone-dji:FlightYawDegree="+10.0" drone-dji:RelativeAltitude="+80.20" '
       'drone-dji:AbsoluteAltitude="+120.5"/></rdf:RDF></x:xmpmeta>')


def _dms(x: float):
    d = int(x)
    m = int((x - d) * 60)
    s = (x - d - m / 60) * 3600
    return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(round(s * 10000), 10000))


def write_photo(path: Path, lon: float | None = None, lat: float | None = None, *, direction: float | None = None,
                when: str | None = "2026:06:12 09:30:00", offset: str | None = None, make: str = "HUAWEI",
                model: str = "P60", yaw: float | None = None, size=(64, 48), color=(90, 140, 60)) -> Path:
    """A JPEG at `path` with EXIF GPS (lon/lat, altitude, direction), time and device; `yaw`: a DJI photo
    with its XMP packet."""
    im = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = model
    if when:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        ifd[ExifTags.Base.DateTimeOriginal] = when
        if offset:
            ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _dms(abs(lat))
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _dms(abs(lon))
        gps[ExifTags.GPS.GPSAltitudeRef] = b"\x00"
        gps[ExifTags.GPS.GPSAltitude] = IFDRational(355, 10)
        if direction is not None:
            gps[ExifTags.GPS.GPSImgDirectionRef] = "T"
            gps[ExifTags.GPS.GPSImgDirection] = IFDRational(round(direction * 100), 100)
    path.parent.mkdir(parents=True, exist_ok=True)
    kw = {"xmp": XMP.format(yaw=yaw).encode()} if yaw is not None else {}
    im.save(path, "JPEG", exif=exif.tobytes(), **kw)
    return path


def write_bomb(path: Path, width: int = 60000, height: int = 60000) -> Path:
    """A small JPEG whose header claims width × height pixels (SOF0 rewritten): a decompression bomb."""
    write_photo(path, 117.1, 37.3)
    data = bytearray(path.read_bytes())
    i = data.find(b"\xff\xc0")
    data[i + 5:i + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def photo():
    return write_photo


@pytest.fixture
def bomb():
    return write_bomb
