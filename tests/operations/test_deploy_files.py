"""Docker and systemd cannot run here, so their files are parsed and cross-checked: the
compose set has its four services wired together, the Dockerfile's instructions are
sound and copy files that exist, the systemd units start what the Makefile starts."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("ACUCARE_SECRET_KEY", "ACUCARE_ALLOWED_HOSTS", "ACUCARE_DATABASE_URL")


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends in a continuation"
    return instructions


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((ROOT / "deploy" / "systemd" / name).read_text())
    return parser


def test_the_dockerfile_builds_a_non_root_gunicorn_image_from_existing_files() -> None:
    instructions = dockerfile()
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "VOLUME"}
    known |= {"HEALTHCHECK", "CMD", "ARG", "LABEL", "ENTRYPOINT"}
    assert {word for word, _ in instructions} <= known
    assert instructions[0][0] == "FROM"
    assert re.match(r"python:3\.1[1-9]", instructions[0][1])
    for word, rest in instructions:
        if word == "COPY":
            *sources, _ = shlex.split(rest)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file in the project"
    users = [rest for word, rest in instructions if word == "USER"]
    assert users == ["acucare"]
    # USER comes before the command: the server never runs as root.
    order = [word for word, _ in instructions]
    assert order.index("USER") < order.index("CMD")
    cmd = next(rest for word, rest in instructions if word == "CMD")
    assert '"config/gunicorn.py"' in cmd
    assert (ROOT / "config" / "gunicorn.py").is_file()
    assert any(word == "HEALTHCHECK" and "/healthz" in rest for word, rest in instructions)
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert "--require-hashes" in runs
    assert "collectstatic" in runs
    assert "postgresql-client" in runs  # pg_dump for backups
    # Nothing secret is baked in: the build's key is generated and discarded in one RUN.
    envs = " ".join(rest for word, rest in instructions if word == "ENV")
    for name in REQUIRED:
        assert name not in envs


def test_compose_runs_app_worker_postgres_and_redis_together() -> None:
    data = compose()
    services = data["services"]
    assert set(services) == {"app", "worker", "scheduler", "postgres", "redis"}
    assert services["app"]["build"] == "."
    assert services["worker"]["image"] == services["app"]["image"]
    assert services["worker"]["command"] == ["python", "manage.py", "worker"]
    assert services["scheduler"]["image"] == services["app"]["image"]
    assert services["scheduler"]["command"] == ["sh", "deploy/schedule.sh"]
    for name in ("app", "worker", "scheduler"):
        environment = services[name]["environment"]
        for required in REQUIRED:
            assert environment[required], f"{name} lacks {required}"
        assert environment["ACUCARE_TASKS_BACKEND"] == "redis"
        assert "@postgres:5432/" in environment["ACUCARE_DATABASE_URL"]
        assert environment["ACUCARE_REDIS_URL"].startswith("redis://redis:6379/")
    # The secrets must be given: compose refuses to start with them unset.
    text = (ROOT / "compose.yaml").read_text()
    for variable in ("ACUCARE_SECRET_KEY", "ACUCARE_ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert f"${{{variable}:?" in text
    depends = services["app"]["depends_on"]
    assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy"
    for name in ("postgres", "redis", "app"):
        assert "healthcheck" in services[name]
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])
    assert "migrate" in " ".join(services["app"]["command"])
    assert set(data["volumes"]) >= {"postgres-data", "acucare-var"}


@pytest.mark.parametrize(
    ("name", "runs"),
    [
        ("acucare.service", "gunicorn --config config/gunicorn.py config.wsgi"),
        ("acucare-worker.service", "manage.py worker"),
        ("acucare-backup.service", "manage.py backup --enqueue"),
        ("acucare-audit-verify.service", "manage.py audit_verify --enqueue"),
        ("acucare-reminders.service", "manage.py reminders_scan --enqueue"),
    ],
)
def test_systemd_units_run_the_project_commands(name: str, runs: str) -> None:
    service = unit(name)["Service"]
    assert runs in service["ExecStart"]
    assert service["User"] == "acucare"
    assert service["EnvironmentFile"] == "/etc/acucare/acucare.env"
    assert service["NoNewPrivileges"] == "true"
    # Every command in ExecStart* exists in the project (manage.py commands included).
    commands = {
        "gunicorn": ROOT / "config" / "gunicorn.py",
        "worker": ROOT / "acucare" / "jobs" / "management" / "commands" / "worker.py",
        "backup": ROOT / "acucare" / "operations" / "management" / "commands" / "backup.py",
        "audit_verify": ROOT / "acucare" / "audit" / "management" / "commands" / "audit_verify.py",
        "reminders_scan": ROOT
        / "acucare"
        / "reminders"
        / "management"
        / "commands"
        / "reminders_scan.py",
    }
    for word, path in commands.items():
        if word in runs:
            assert path.is_file()


@pytest.mark.parametrize("name", ["acucare-backup.timer", "acucare-audit-verify.timer"])
def test_the_daily_timers_fire_daily_and_catch_up(name: str) -> None:
    timer = unit(name)["Timer"]
    assert timer["OnCalendar"].startswith("*-*-*")
    assert timer["Persistent"] == "true"


def test_the_reminder_timer_fires_every_quarter_hour_and_catches_up() -> None:
    timer = unit("acucare-reminders.timer")["Timer"]
    assert timer["OnCalendar"] == "*:0/15"
    assert timer["Persistent"] == "true"
    assert unit("acucare-reminders.timer")["Install"]["WantedBy"] == "timers.target"


def test_the_example_environment_names_every_required_value() -> None:
    example = (ROOT / "deploy" / "acucare.env.example").read_text()
    for name in REQUIRED:
        assert re.search(rf"^{name}=", example, re.MULTILINE)


def _schedule_once(tmp_path: Path, backup_at: str) -> subprocess.CompletedProcess[str]:
    """One pass of deploy/schedule.sh at 01:00 UTC, with a `python` on PATH that only logs
    its arguments and a `date` that answers for that time."""
    log = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    (bin_dir / "date").write_text(
        '#!/bin/sh\ncase "$2" in +%F) echo 2026-12-06 ;; +%H%M) echo 0100 ;; esac\n'
    )
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "ACUCARE_SCHEDULE_ONCE": "1",
        "ACUCARE_BACKUP_AT": backup_at,
    }
    return subprocess.run(
        ["sh", str(ROOT / "deploy" / "schedule.sh")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )


def test_the_compose_scheduler_queues_the_reminder_scan_and_the_daily_jobs(tmp_path: Path) -> None:
    done = _schedule_once(tmp_path, "0030")  # the daily time has passed (it is 01:00)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "calls.log").read_text().splitlines() == [
        "manage.py reminders_scan --enqueue",
        "manage.py backup --enqueue",
        "manage.py audit_verify --enqueue",
    ]
    # The image carries the script the service runs.
    copies = [rest for word, rest in dockerfile() if word == "COPY"]
    assert "deploy/schedule.sh deploy/schedule.sh" in copies


def test_the_compose_scheduler_waits_for_the_daily_time(tmp_path: Path) -> None:
    done = _schedule_once(tmp_path, "0230")  # not yet (it is 01:00)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "calls.log").read_text().splitlines() == [
        "manage.py reminders_scan --enqueue"
    ]


def test_the_compose_scheduler_refuses_a_malformed_daily_time(tmp_path: Path) -> None:
    done = _schedule_once(tmp_path, "2:30")
    assert done.returncode == 2
    assert "ACUCARE_BACKUP_AT must be HHMM" in done.stderr
    assert not (tmp_path / "calls.log").exists()
