"""Pick the evidence store the settings name."""

from __future__ import annotations

from server.settings import Settings
from server.storage import EvidenceStore
from server.storage.local import LocalDiskStore
from server.storage.s3 import S3Store


def make_store(settings: Settings) -> EvidenceStore:
    if settings.evidence_backend == "s3":
        assert settings.s3 is not None
        return S3Store(settings.s3)
    return LocalDiskStore(settings.evidence_dir)
