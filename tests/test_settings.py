import stat
from pathlib import Path

import pytest

from server.settings import Settings, SettingsError, init_secret


def test_no_secret_no_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="secret key"):
        Settings.from_env({"DABIAO_INSTANCE_PATH": str(tmp_path)})


def test_secret_from_the_instance_folder(tmp_path: Path) -> None:
    path = init_secret(tmp_path)
    first = path.read_text()
    assert init_secret(tmp_path).read_text() == first  # never overwritten
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = Settings.from_env({"DABIAO_INSTANCE_PATH": str(tmp_path)})
    assert settings.secret_key == first.strip()
    assert len(settings.secret_key) >= 48
    assert settings.database_url == f"sqlite:///{tmp_path / 'dabiao.sqlite3'}"
    assert settings.evidence_backend == "local"


def test_s3_needs_every_credential(tmp_path: Path) -> None:
    env = {"DABIAO_SECRET_KEY": "k" * 40, "DABIAO_EVIDENCE_BACKEND": "s3", "DABIAO_S3_ENDPOINT": "http://x"}
    with pytest.raises(SettingsError, match="DABIAO_S3_BUCKET"):
        Settings.from_env(env)


def test_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"DABIAO_SECRET_KEY": "k" * 40, "DABIAO_EVIDENCE_BACKEND": "ftp"})
