"""Both evidence stores behave the same; the S3 one runs against the real MinIO."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.settings import S3Settings
from server.storage import DigestMismatch, EvidenceStore, InvalidKey, ObjectMissing, StoreError
from server.storage.local import LocalDiskStore
from server.storage.s3 import S3Store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EvidenceStore]:
    if request.param == "local":
        yield LocalDiskStore(tmp_path / "evidence")
    else:
        settings: S3Settings = request.getfixturevalue("s3_settings")
        yield S3Store(settings)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_get_head_and_delete(store: EvidenceStore) -> None:
    data = "照片".encode() * 1000
    stored = store.put("inspections/1/photo-a", data, digest(data), "image/jpeg", {"original-name": "a.jpg"})
    assert stored.sha256 == digest(data)
    assert store.get("inspections/1/photo-a") == data
    head = store.head("inspections/1/photo-a")
    assert (head.size, head.sha256, head.content_type) == (len(data), digest(data), "image/jpeg")
    assert head.metadata == {"original-name": "a.jpg"}
    assert store.exists("inspections/1/photo-a")
    assert list(store.keys("inspections/1/")) == ["inspections/1/photo-a"]
    store.delete("inspections/1/photo-a")
    assert not store.exists("inspections/1/photo-a")
    with pytest.raises(ObjectMissing):
        store.get("inspections/1/photo-a")


def test_a_wrong_digest_stores_nothing(store: EvidenceStore) -> None:
    with pytest.raises(DigestMismatch):
        store.put("inspections/2/photo", b"bytes", digest(b"other bytes"), "image/jpeg")
    assert not store.exists("inspections/2/photo")
    assert list(store.keys("inspections/2/")) == []


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "Upper/Case", "a/", "", "a/../b"])
def test_keys_outside_the_pattern_are_refused(store: EvidenceStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(key, b"x", digest(b"x"), "image/jpeg")


def test_ping(store: EvidenceStore) -> None:
    assert store.ping()["backend"] == store.backend


def test_an_unreachable_s3_store_fails_fast_with_a_store_error(s3_settings: S3Settings) -> None:
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = S3Settings(
        endpoint_url=f"http://127.0.0.1:{port}",
        bucket=s3_settings.bucket,
        access_key="x",
        secret_key="y",
        region="us-east-1",
        connect_timeout=1,
        read_timeout=1,
    )
    started = time.monotonic()
    with pytest.raises(StoreError):
        S3Store(dead).ping()
    assert time.monotonic() - started < 10


def test_truncated_photos_fail_even_after_weasyprint_is_imported() -> None:
    import weasyprint  # noqa: F401 - it switches Pillow's LOAD_TRUNCATED_IMAGES on at import
    from PIL import ImageFile

    from server.domain.errors import DomainError
    from server.storage.images import process_photo
    from tests.photos import jpeg

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # whatever a library did to the global
    try:
        with pytest.raises(DomainError) as err:
            process_photo(jpeg()[:-2000], 40_000_000, 800)
        assert err.value.code == "evidence.not_an_image"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_keys_are_listed_in_byte_order_on_both_stores(store: EvidenceStore) -> None:
    """The orphan check of `storage verify` merges this listing with the database's sorted keys,
    so both stores must list whole keys in byte order: '-' (0x2d) and '.' before '/' (0x2f), and a
    prefix need not end at a folder."""
    keys = ["order/1-b", "order/1.c", "order/1/a", "order/10/a", "order/1_d", "order/2", "order/a-b/c"]
    for key in reversed(keys):
        store.put(key, key.encode(), digest(key.encode()), "text/plain")
    assert list(store.keys("order/")) == sorted(keys)
    assert list(store.keys("order/1")) == [k for k in sorted(keys) if k.startswith("order/1")]
    assert list(store.keys("order/1/")) == ["order/1/a"]
    assert list(store.keys("order/3")) == []
    assert list(store.keys("no-such-folder/")) == []
