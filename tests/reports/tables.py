"""Reading the report context's tables in tests."""

from __future__ import annotations

from typing import Any

from reports.context.rules import TABLE_COLUMNS


def whole_table(groups: dict[str, Any]) -> dict[str, Any]:
    """The KPI table as one: the column chunks of each row joined (a wide table comes in chunks)."""
    tables = groups["tables"]
    header = tables[0]["header"] + [cell for table in tables[1:] for cell in table["header"][2:]]
    rows = [{**row, "cells": [cell for table in tables for cell in table["rows"][i]["cells"]]}
            for i, row in enumerate(tables[0]["rows"])]
    assert all(len(table["header"]) <= 2 + TABLE_COLUMNS for table in tables)
    return {"header": header, "rows": rows}
