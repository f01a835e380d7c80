"""Reading delivered layers (GeoPackage, Shapefile also zipped, File Geodatabase, GeoJSON, KML, GML,
FlatGeobuf, GeoParquet) into a clean GeoDataFrame plus a `ReadReport` of everything that was
decided, changed or dropped on the way: `read_layer` whole, `read_layer_chunks` in chunks.

    sources.py     the path → what GDAL opens; list and choose the layer
    raw.py         the raw features, with the right text encoding (raw_chunks.py: chunk by chunk)
    encoding.py    .cpg, DBF language byte, detection, mojibake repair
    fields.py      field aliases → canonical names, the land-use field, feature ids
    collisions.py  fields named like landcheck's own renamed <name>_src
    controls.py    control characters removed from text
    clean.py       polygons kept, repaired (measured) or dropped
    crs.py         the CRS: declared, checked against the coordinates, or inferred
    codes.py       land-use codes normalised and their reading reported
    read.py        read_layer: the steps in order
    scan.py        chunked reading's pass over the whole layer; chunks.py: read_layer_chunks
    describe.py    what `landcheck inspect` shows of a read layer
    report.py      ReadReport

This floor decides nothing about violations; it reads, cleans and reports.
"""

from .chunks import LayerChunks, read_layer_chunks
from .clean import clean_geometry
from .collisions import READER_FIELDS, rename_collisions
from .crs import check_crs, crs_id, infer_crs, settle_crs
from .describe import code_histogram, describe_layer
from .encoding import detect_bytes_encoding, detect_shapefile_encoding, repair_mojibake, unmojibake
from .fields import FIELD_ALIASES, LANDUSE_FIELDS, feature_ids, map_fields
from .read import read_layer
from .report import ReadReport
from .sources import LAYER_HINTS, Source, choose_layer, list_layers, resolve_source

__all__ = [
    "FIELD_ALIASES", "LANDUSE_FIELDS", "LAYER_HINTS", "LayerChunks", "READER_FIELDS", "ReadReport", "Source", "check_crs",
    "choose_layer", "clean_geometry", "code_histogram", "crs_id", "describe_layer", "detect_bytes_encoding",
    "detect_shapefile_encoding", "feature_ids", "infer_crs", "list_layers", "map_fields", "read_layer",
    "read_layer_chunks", "rename_collisions", "repair_mojibake", "resolve_source", "settle_crs", "unmojibake",
]
