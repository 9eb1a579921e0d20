"""One importer framework for every bulk import (items, participants, places, distributions,
households; OpenRosa submissions next).

1. `table_read(layout, name=..., content=...)` opens a CSV or XLSX file: size, format and
   header checked first (ImportRefused / HeaderRefused), then rows read one at a time as
   values by column name, with every cap a hostile file could try to exceed (tables.py,
   xlsx.py). `table_of(layout, records)` makes the same table of records that come without a
   file (OpenRosa submissions).
2. `rows_check(table, check)` checks every row, collecting problems by row, column, value and
   reason (`Problem`, values shown only as a short excerpt).
3. `checked_or_refused(checked)` refuses the file if any problem remains; then
   `write_all(entries, write)` writes in one transaction.

Progress is reported as `progress(phase, done, total)` with phases "check" and "import".
"""

from laydown.core.imports import checking, exports
from laydown.core.imports.checking import (
    Checked,
    Progress,
    checked_or_refused,
    checked_with,
    no_progress,
    rows_check,
    write_all,
)
from laydown.core.imports.problems import (
    HeaderRefused,
    ImportRefused,
    Problem,
    excerpt,
    problems_of,
)
from laydown.core.imports.tables import (
    MAX_CELL_CHARS,
    Layout,
    Row,
    Table,
    cell_text,
    table_of,
    table_read,
)
from laydown.core.imports.templates import template_write

__all__ = [
    "checking",
    "exports",
    "MAX_CELL_CHARS",
    "Checked",
    "HeaderRefused",
    "ImportRefused",
    "Layout",
    "Problem",
    "Progress",
    "Row",
    "Table",
    "cell_text",
    "checked_or_refused",
    "checked_with",
    "excerpt",
    "no_progress",
    "problems_of",
    "rows_check",
    "table_of",
    "table_read",
    "template_write",
    "write_all",
]
