"""What the import operations of the API share: the answer's schemas (the file's rows, or
every problem by row and column in the one error shape), and a file imported as a job run in
the request, so the answer is still the file's outcome."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema, Status, UploadedFile

from laydown.access.permissions import Principal
from laydown.core.api_errors import ErrorBody
from laydown.core.errors import ValidationError
from laydown.core.imports import ImportRefused, Layout, checked_or_refused, problems_of
from laydown.core.imports.uploads import upload_content
from laydown.jobs import kinds, services


class ImportOut(Schema):
    rows: int = Field(description="the rows of the file, all valid")
    imported: bool = Field(description="false for a dry run: checked, nothing written")


class ProblemOut(Schema):
    row: int = Field(
        description="as the spreadsheet numbers it (the header is row 1; 0: the file as a whole)"
    )
    column: str
    value: str
    reason: str


class ImportErrorBody(ErrorBody):
    problems: list[ProblemOut] = Field(
        [],
        description="each problem of the file by row and column; absent or empty when the "
        "request itself is wrong (no file, too large, a bad parameter): see `fields`",
    )


class ImportErrorOut(Schema):
    error: ImportErrorBody


IMPORT_RESPONSES = {200: ImportOut, 201: ImportOut, 422: ImportErrorOut}


def import_error(exc: ImportRefused) -> dict[str, Any]:
    problems = [p.as_dict() for p in exc.problems]
    # problems of rows by row and column; of the file or its header, as the refusal names them
    fields = {f"row {p.row}, {p.column}": p.reason for p in exc.problems if p.row > 1}
    return {
        "error": {
            "code": exc.code,
            "message": exc.message,
            "fields": fields or exc.fields,
            "problems": problems,
        }
    }


def _quiet(phase: str, done: int, total: int) -> None:
    return None


def file_import(
    *, actor: Principal, file: UploadedFile, kind: str, layout: Layout, dry_run: bool
) -> Status[Any]:
    """Check the file, and unless `dry_run` import it as a job run in this request (written
    in batches, so other writers wait at most one batch): 201 with its rows (200 for a dry
    run), or 422 with every problem."""
    name, answer = file.name or "", dict[str, Any](imported=not dry_run)
    try:
        content = upload_content(file, layout)
        if dry_run:
            checked = kinds.get(kind).check(actor, name, content, _quiet, {})
            answer["rows"] = len(checked_or_refused(checked))
        else:
            done = services.job_run_here(
                actor=actor, kind=kind, name=name, content=content, progress=_quiet
            )
            answer |= {"rows": done.get("count", 0)}
            answer |= {k: done[k] for k in ("skipped", "registered") if done.get(k)}
    except ImportRefused as exc:
        return Status(422, import_error(exc))
    except ValidationError as exc:  # refused while writing: a problem of the file as a whole
        refused = ImportRefused(problems_of(exc, 0, {}), exc.message, fields=exc.fields)
        return Status(422, import_error(refused))
    return Status(200 if dry_run else 201, answer)
