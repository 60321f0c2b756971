"""Settings, read once inside create_app from the environment and the instance folder.

No secret has a default: the app refuses to start without a secret key, and the S3 evidence store
refuses to start without credentials. `python -m server init-secret` writes a random key
into the instance folder for a local run.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "DABIAO_"
SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str
    connect_timeout: float
    read_timeout: float


@dataclass(frozen=True)
class Settings:
    secret_key: str
    database_url: str
    instance_path: Path
    evidence_backend: str
    evidence_dir: Path
    s3: S3Settings | None
    checklists_dir: Path
    pwa_dist: Path
    max_content_length: int
    testing: bool = False
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # Failed logins, counted per (username, client address): after `login_free_failures` each
    # failure blocks that pair for a delay that starts at `login_delay_seconds` and doubles up to
    # `login_max_delay_seconds`. Every username from one address together gets
    # `login_address_free_failures` (0: no such limit). Failures are forgotten after a day of quiet.
    login_free_failures: int = 5
    login_address_free_failures: int = 30
    login_delay_seconds: int = 60
    login_max_delay_seconds: int = 15 * 60
    login_forget_hours: int = 24
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted for the client address;
    # 0 (default): the app faces clients directly (gunicorn) and the header is ignored.
    trusted_proxies: int = 0
    max_photo_bytes: int = 20 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    thumbnail_edge: int = 800  # 84 mm in the report's photo appendix at about 240 dpi
    photo_max_distance_m: int = 2000
    evidence_retention_days: int = 3650
    public_url: str = "http://127.0.0.1:5000"
    # Background jobs (server.services.jobs). Inline: run in the submitting request (always so on
    # SQLite, which has no queue). Each job runs in a worker's child process limited to
    # `job_memory_mb` of address space and `job_time_limit_s` seconds; a child is replaced after
    # `job_max_per_child` jobs (WeasyPrint returns its memory only when the process exits). A job
    # whose worker sent no heartbeat for `job_stalled_seconds` is run again by another worker.
    jobs_inline: bool = False
    # A payout sheet is made inside a request (GET /api/payouts/...) only for a region with at
    # most this many approved inspections; larger ones are made by a background job.
    payout_inline_rows: int = 3000
    # The results export of a region and period (GET /api/exports/results/...) is made inside a
    # request only for at most this many final results; more are exported by a background job.
    export_inline_rows: int = 5000
    # A campaign plan of at most this many facilities is created inside the request; a larger one
    # waits as 创建中 while a background job creates its inspections.
    plan_inline_facilities: int = 200
    # A console import of at most this many rows (facilities; users, whose one-time passwords are
    # hashed slowly) is done inside the request; a larger one by a background job.
    import_inline_rows: int = 1000
    import_inline_users: int = 100
    job_memory_mb: int = 1536
    job_time_limit_s: float = 1800
    job_max_per_child: int = 20
    job_stalled_seconds: int = 60

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: object) -> Settings:
        def get(name: str, default: str | None = None) -> str | None:
            return env.get(PREFIX + name, default)

        instance_path = Path(get("INSTANCE_PATH") or PROJECT_ROOT / "instance")
        secret_key = get("SECRET_KEY") or _read_secret(instance_path)
        if not secret_key:
            raise SettingsError(
                f"no secret key: set {PREFIX}SECRET_KEY or run `python -m server init-secret`"
            )
        backend = get("EVIDENCE_BACKEND", "local") or "local"
        s3 = None
        if backend == "s3":
            missing = [
                PREFIX + n
                for n in ("S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY")
                if not get(n)
            ]
            if missing:
                raise SettingsError(f"the s3 evidence store needs {', '.join(missing)}")
            s3 = S3Settings(
                endpoint_url=str(get("S3_ENDPOINT")),
                bucket=str(get("S3_BUCKET")),
                access_key=str(get("S3_ACCESS_KEY")),
                secret_key=str(get("S3_SECRET_KEY")),
                region=get("S3_REGION", "us-east-1") or "us-east-1",
                connect_timeout=float(get("S3_CONNECT_TIMEOUT", "3") or 3),
                read_timeout=float(get("S3_READ_TIMEOUT", "10") or 10),
            )
        elif backend != "local":
            raise SettingsError(f"{PREFIX}EVIDENCE_BACKEND must be local or s3, not {backend!r}")
        values: dict[str, object] = {
            "secret_key": secret_key,
            "database_url": get("DATABASE_URL") or f"sqlite:///{instance_path / 'dabiao.sqlite3'}",
            "instance_path": instance_path,
            "evidence_backend": backend,
            "evidence_dir": Path(get("EVIDENCE_DIR") or instance_path / "evidence"),
            "s3": s3,
            "checklists_dir": Path(get("CHECKLISTS_DIR") or PROJECT_ROOT / "checklists"),
            "pwa_dist": Path(get("PWA_DIST") or PROJECT_ROOT / "pwa" / "dist"),
            "max_content_length": int(get("MAX_CONTENT_LENGTH", str(25 * 1024 * 1024)) or 0),
            "max_photo_bytes": int(get("MAX_PHOTO_BYTES", str(20 * 1024 * 1024)) or 0),
            "session_idle_minutes": int(get("SESSION_IDLE_MINUTES", "30") or 30),
            "session_absolute_hours": int(get("SESSION_ABSOLUTE_HOURS", "12") or 12),
            "evidence_retention_days": int(get("EVIDENCE_RETENTION_DAYS", "3650") or 3650),
            "public_url": get("PUBLIC_URL") or f"http://127.0.0.1:{env.get('PORT', '5000')}",
            "trusted_proxies": int(get("TRUSTED_PROXIES", "0") or 0),
            "login_address_free_failures": int(get("LOGIN_ADDRESS_FREE_FAILURES", "30") or 0),
            "payout_inline_rows": int(get("PAYOUT_INLINE_ROWS", "3000") or 3000),
            "export_inline_rows": int(get("EXPORT_INLINE_ROWS", "5000") or 5000),
            "plan_inline_facilities": int(get("PLAN_INLINE_FACILITIES", "200") or 200),
            "import_inline_rows": int(get("IMPORT_INLINE_ROWS", "1000") or 1000),
            "import_inline_users": int(get("IMPORT_INLINE_USERS", "100") or 100),
            "jobs_inline": (get("JOBS_INLINE", "") or "").lower() in ("1", "true", "yes"),
            "job_memory_mb": int(get("JOB_MEMORY_MB", "1536") or 1536),
            "job_time_limit_s": float(get("JOB_TIME_LIMIT_S", "1800") or 1800),
            "job_max_per_child": int(get("JOB_MAX_PER_CHILD", "20") or 20),
            "job_stalled_seconds": int(get("JOB_STALLED_SECONDS", "60") or 60),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _read_secret(instance_path: Path) -> str | None:
    path = instance_path / SECRET_FILE
    if path.is_file():
        return path.read_text(encoding="ascii").strip() or None
    return None


def init_secret(instance_path: Path) -> Path:
    """Write a random secret key into the instance folder unless one is there."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
    return path
