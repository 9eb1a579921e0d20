"""`laydown check --deploy` is clean with production settings; HTTPS turns on HSTS and redirects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

CLI = [sys.executable, "-m", "laydown.cli"]


def run_laydown(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LAYDOWN_")}
    clean.update(
        {
            "LAYDOWN_DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
            **env,
        }
    )
    return subprocess.run(
        [*CLI, *args], env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_reports_no_issues_behind_https(tmp_path: Path) -> None:
    result = run_laydown(tmp_path, "check", "--deploy", LAYDOWN_HTTPS="1", LAYDOWN_DEBUG="0")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_warns_without_https(tmp_path: Path) -> None:
    result = run_laydown(tmp_path, "check", "--deploy", LAYDOWN_DEBUG="0")
    assert "security.W004" in result.stderr  # no HSTS on plain HTTP: the check says so


@pytest.mark.django_db
def test_with_https_plain_requests_are_redirected_and_https_ones_get_hsts(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()
    plain = client.get("/accounts/sign-in/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/sign-in/"
    secure = client.get("/accounts/sign-in/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "frame-ancestors 'none'" in secure["Content-Security-Policy"]


@pytest.mark.django_db
def test_error_pages_carry_the_security_headers_too() -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
