"""Find, read and validate knowledge-base YAML files, and merge their layers into one model.

One module per job, each importing only the ones before it: reader.py reads a YAML file with the
line and column of every value; checker.py checks each entry and builds its record; merge.py checks
whole files and stacks the layers into one knowledge base. This module re-exports the names the rest
of massage-cli, the tests and the scripts import from `massage_cli.knowledge`.
"""

from __future__ import annotations

from ..layers import MAX_FILE_BYTES, Layer, bundled_path
from .checker import (
    BENEFITS_FIELDS,
    CLINIC_OPTIONAL,
    CLINIC_REQUIRED,
    DATE_PATTERN,
    DOCTOR_ITEM_FIELDS,
    EVIDENCE_FIELDS,
    ICD10_PATTERN,
    KEBAB_PATTERN,
    MIN_AGE_RANGE,
    PATCH,
    SECTION_FIELDS,
    SIGN_REF,
    SOURCE_FIELDS,
    TOP_FIELDS,
    URL_PATTERN,
)
from .merge import check_layers, check_layers_warnings, load_bundled, load_layers

__all__ = [
    "BENEFITS_FIELDS",
    "CLINIC_OPTIONAL",
    "CLINIC_REQUIRED",
    "DATE_PATTERN",
    "DOCTOR_ITEM_FIELDS",
    "EVIDENCE_FIELDS",
    "ICD10_PATTERN",
    "KEBAB_PATTERN",
    "MAX_FILE_BYTES",
    "MIN_AGE_RANGE",
    "PATCH",
    "SECTION_FIELDS",
    "SIGN_REF",
    "SOURCE_FIELDS",
    "TOP_FIELDS",
    "URL_PATTERN",
    "Layer",
    "bundled_path",
    "check_layers",
    "check_layers_warnings",
    "load_bundled",
    "load_layers",
]
