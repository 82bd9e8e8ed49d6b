"""How large the province-sized tests run. `make test` runs them at a quarter of a province's size so
that it stays within its ten minutes on two cores; `make province` (NG_SCALE=province) runs them at the full
size (8 communes, about 6.000 members and 20.000 events for the recount; 10.000 workbook rows for the import;
8 communes, 30.000+ events, for the property test of the projections' fold)."""

import os

PROVINCE = os.environ.get("NG_SCALE", "short") == "province"

RECOUNT_COMMUNES = 8 if PROVINCE else 2
IMPORT_COMMUNES, IMPORT_ROWS = (6, 10_000) if PROVINCE else (2, 3_000)
# The property test of the projections' fold: 30.000+ events at full size, about 3.000 in the short form.
FOLD_DIRECTORY = (
    {"communes": 8} if PROVINCE else {"communes": 2, "cells_per_commune": (8, 8), "members_per_cell": (20, 20)}
)
