"""What replay leaves out of this app: operational state, not facts of the programme."""

from laydown.ledger import kinds

_WHY = (
    "Operational state of a background import (its file, progress and staged rows); the "
    "records the import writes are in the log and replayed by their own apps."
)
kinds.register_not_replayed(
    {
        "jobs.ImportJob": _WHY,
        "jobs.StagedRow": _WHY,
        "jobs.ScheduleRun": "When the worker last ran each piece of periodic work (backups, "
        "purges, witness pushes) and how it went: operational state.",
        "django_tasks_database.DBTaskResult": "The task queue of `laydown worker`: which job runs "
        "next; its work is recorded by the jobs themselves.",
    }
)
