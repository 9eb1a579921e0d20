"""Submissions per second through OpenRosa's /submission, beside the JSON API, for the same records.

    python bench/openrosa_submit.py [--records 300] [--runs 3] [--clients 4]
                                    [--db sqlite,postgres] [--write docs/benchmarks.md]

Each record is a weapon with one 200 KB photo (a JPEG's bytes: its markers around incompressible
data). A fresh data directory and database per database engine, a collection point, a clerk and
a device enrolled for them by a programme manager; `laydown serve` (granian, the production
server) in its own process. Then, --runs times each, alternately:

- OpenRosa: --clients threads, each an httpx client with HTTP Digest (the device's credential, as
  ODK Collect sends it: the first request is challenged, later ones answer the kept challenge),
  POST a multipart `xml_submission_file` (the record as Collect writes it, of the form version
  read from formList) and the photo to /openrosa/submission, and expect 201;
- JSON API: the same threads, with the device's bearer token, POST the photo to /api/v1/arms/photos
  and then the submission naming it to /api/v1/field/submissions (the offline app's two requests),
  and expect 201.

Measured per run: records per second (wall time of the run), the server's CPU seconds per
record (user and system, of the server's processes, from /proc) and the load (`uptime`) before.
Every record must be written once: the weapons counted afterwards.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from _server import device_enrolled, machine, served, setup_programme, write_section

POSTGRES_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench_openrosa"
)
PASSWORD = "bench-openrosa-2026!"  # noqa: S105 - a throwaway database
PHOTO_BYTES = 200 * 1024
WEAPON = {
    "site": "cp-1",
    "category": "sa_assault_rifle",
    "make": "Kalashnikov",
    "model": "AKM",
    "calibre": "7.62x39mm",
    "condition": "serviceable",
}


def photo(n: int) -> bytes:
    """A distinct 200 KB JPEG-typed file (SOI, APP0, random data, EOI)."""
    body = os.urandom(PHOTO_BYTES - 24) + n.to_bytes(8, "big")
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + body + b"\xff\xd9"
    )


def setup_child() -> None:
    """Migrate, keys, collection point cp-1, a clerk and a device enrolled for them."""
    setup_programme()
    from laydown.openrosa import auth

    device, secret = device_enrolled(PASSWORD, "bench phone")
    print(
        json.dumps(
            {
                "secret": secret,
                "username": device.public_id,
                "password": auth.device_password(device),
            }
        )
    )


def check_child() -> None:
    """Count the weapons written and their distinct serials."""
    import django

    django.setup()
    from laydown.arms.models import Item

    items = Item.objects.filter(serial__startswith="B-")
    print(
        json.dumps({"items": items.count(), "serials": items.values("serial").distinct().count()})
    )


def instance_xml(version: str, serial: str, photo_name: str) -> tuple[str, bytes]:
    sid = str(uuid.uuid4())
    answers = {**WEAPON, "serial": serial, "photos": photo_name}
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in answers.items())
    xml = (
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
        f'id="arms.weapon" version="{escape(version)}">'
        "<start>2026-11-30T09:58:00.000+04:00</start><end>2026-11-30T10:00:00.000+04:00</end>"
        f"{body}<meta><instanceID>uuid:{sid}</instanceID></meta></data>"
    )
    return sid, xml.encode()


def form_version(url: str, username: str, password: str) -> str:
    """The weapon form's version from formList, as Collect reads it."""
    import httpx
    from defusedxml import ElementTree

    ns = "{http://openrosa.org/xforms/xformsList}"
    with httpx.Client(auth=httpx.DigestAuth(username, password), timeout=60) as client:
        answer = client.get(f"{url}/openrosa/formList", headers={"X-OpenRosa-Version": "1.0"})
        answer.raise_for_status()
    for form in ElementTree.fromstring(answer.content).iter(f"{ns}xform"):
        if form.findtext(f"{ns}formID") == "arms.weapon":
            return str(form.findtext(f"{ns}version"))
    raise SystemExit("arms.weapon is not in the clerk's formList")


def openrosa_run(
    url: str, who: dict[str, Any], version: str, serials: list[str], clients: int
) -> None:
    import httpx

    def work(chunk: list[str]) -> None:
        auth = httpx.DigestAuth(who["username"], who["password"])
        with httpx.Client(auth=auth, timeout=120) as client:
            for serial in chunk:
                name = f"{serial}.jpg"
                _sid, xml = instance_xml(version, serial, name)
                answer = client.post(
                    f"{url}/openrosa/submission",
                    headers={"X-OpenRosa-Version": "1.0"},
                    files={
                        "xml_submission_file": ("submission.xml", xml, "text/xml"),
                        name: (name, photo(int(serial[2:])), "image/jpeg"),
                    },
                )
                if answer.status_code != 201:
                    raise SystemExit(f"OpenRosa {serial}: {answer.status_code} {answer.text}")

    _threaded(work, serials, clients)


def api_run(url: str, who: dict[str, Any], serials: list[str], clients: int) -> None:
    import httpx

    def work(chunk: list[str]) -> None:
        headers = {"Authorization": f"Bearer {who['secret']}"}
        with httpx.Client(headers=headers, timeout=120) as client:
            for serial in chunk:
                stored = client.post(
                    f"{url}/api/v1/arms/photos",
                    files={"file": (f"{serial}.jpg", photo(int(serial[2:])), "image/jpeg")},
                )
                if stored.status_code != 201:
                    raise SystemExit(f"API photo {serial}: {stored.status_code} {stored.text}")
                body = {
                    "id": str(uuid.uuid4()),
                    "form": "arms.weapon",
                    "device_at": "2026-11-30T10:00:00+04:00",
                    "payload": {**WEAPON, "serial": serial, "photos": [stored.json()["sha256"]]},
                }
                answer = client.post(f"{url}/api/v1/field/submissions", json=body)
                if answer.status_code != 201:
                    raise SystemExit(f"API {serial}: {answer.status_code} {answer.text}")

    _threaded(work, serials, clients)


def _threaded(work: Any, serials: list[str], clients: int) -> None:
    chunks = [serials[i::clients] for i in range(clients)]
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(work, chunk) for chunk in chunks]:
            future.result()


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()  # noqa: S607


def engine_runs(db: str, args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"openrosa": [], "api": []}
    database_url = POSTGRES_URL if db == "postgres" else ""
    with served(__file__, f"openrosa-{db}", database_url) as (server, who, env):
        version = form_version(server.url, who["username"], who["password"])
        openrosa_run(server.url, who, version, ["B-0"], 1)  # warm: imports, form build
        api_run(server.url, who, ["B-1"], 1)
        serial = 2
        for _run in range(args.runs):
            for mode in ("openrosa", "api"):
                serials = [f"B-{serial + i}" for i in range(args.records)]
                serial += args.records
                load = uptime()
                cpu = server.cpu_seconds()
                started = time.perf_counter()
                if mode == "openrosa":
                    openrosa_run(server.url, who, version, serials, args.clients)
                else:
                    api_run(server.url, who, serials, args.clients)
                wall = time.perf_counter() - started
                used = server.cpu_seconds() - cpu
                runs[mode].append(
                    {
                        "per_second": args.records / wall,
                        "cpu_ms_per_record": used * 1000 / args.records,
                        "wall": wall,
                        "load": load.split("load average:")[-1].strip(),
                    }
                )
                print(db, mode, json.dumps(runs[mode][-1]), file=sys.stderr)
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--check"], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"{db} check failed:\n{done.stderr[-4000:]}")
        counted = json.loads(done.stdout.strip().splitlines()[-1])
        expected = 2 + 2 * args.runs * args.records
        if counted != {"items": expected, "serials": expected}:
            raise SystemExit(f"{db}: {counted} weapons written, {expected} expected")
    return {"db": db, "runs": runs, "written": counted}


HEAD = (
    "| database | path | records/s (min / median / max) | server CPU per record"
    " | 2 cores / CPU per record | load (1, 5, 15 min) | target ≥ 50/s |"
    "\n|---|---|---|---|---|---|---|"
)


def markdown(results: list[dict[str, Any]], args: argparse.Namespace, before: str) -> str:
    rows = []
    for result in results:
        for mode, label in (("openrosa", "OpenRosa `/submission`"), ("api", "JSON API")):
            rates = [r["per_second"] for r in result["runs"][mode]]
            cpu = [r["cpu_ms_per_record"] for r in result["runs"][mode]]
            met = "met" if statistics.median(rates) >= 50 else "not met"
            rows.append(
                f"| {result['db']} | {label} | {min(rates):.1f} / {statistics.median(rates):.1f}"
                f" / {max(rates):.1f} | {statistics.median(cpu):.1f} ms |"
                f" {2000 / statistics.median(cpu):.0f}/s |"
                f" {'; '.join(r['load'] for r in result['runs'][mode])} |"
                f" {met if mode == 'openrosa' else ''} |"
            )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    command = (
        f"python bench/openrosa_submit.py --records {args.records} --runs {args.runs}"
        f" --clients {args.clients} --db {args.db}"
    )
    table = "\n".join(rows)
    return f"""<!-- openrosa-submit:begin -->
## OpenRosa submissions per second, beside the JSON API (issue 12)

`{command}`, {today}, {machine()}; `laydown serve` (granian, its default workers and
threads, group commit) on loopback; load before the first run: `{before}`. Each record is a
weapon with one 200 KB photo; {args.clients} clients at a time (httpx threads). OpenRosa: one
multipart POST per record (`xml_submission_file` and the photo) with HTTP Digest, as ODK Collect
sends it. JSON API: the offline app's two requests (the photo to `/api/v1/arms/photos`, then the
submission naming it to `/api/v1/field/submissions`) with the device's bearer token. Every record
was written exactly once (weapons counted afterwards). {args.runs} runs of {args.records}
records each, alternating; records per second as min / median / max; server CPU (user + system
of the server's processes; PostgreSQL's own processes are not counted) per record, median, and
the rate two cores would reach at that CPU cost
if the server had them to itself (the clients' own CPU not counted); the load average before
each run (this machine is shared: with a load above 2 the wall-time rate measures the
neighbours as much as Laydown).

{HEAD}
{table}
<!-- openrosa-submit:end -->
"""


def main() -> None:
    if "--setup" in sys.argv:
        setup_child()
        return
    if "--check" in sys.argv:
        check_child()
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    before = uptime()
    results = [engine_runs(db, args) for db in args.db.split(",")]
    print(json.dumps(results, indent=1), file=sys.stderr)
    if args.write:
        write_section(args.write, markdown(results, args, before), "openrosa-submit")


if __name__ == "__main__":
    main()
