"""Evidence on local disk: the embedded default for a single machine.

Each object is a file plus a JSON sidecar with its digest, type and metadata. Writes go to a
temporary file that is renamed into place, so a crash never leaves half an object under its key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from server.domain.times import utc
from server.storage import DigestMismatch, ObjectMissing, Retained, StoredObject, check_key

META_SUFFIX = ".meta.json"


class LocalDiskStore:
    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / "objects" / check_key(key)

    def put(
        self, key: str, data: bytes, sha256: str, content_type: str, metadata: Mapping[str, str] | None = None
    ) -> StoredObject:
        path = self._path(key)
        self._refuse_if_retained(path)
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise DigestMismatch(f"sha256 of the bytes is {actual}, not {sha256}")
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "sha256": actual,
            "size": len(data),
            "content_type": content_type,
            "metadata": dict(metadata or {}),
        }
        for target, payload in ((path, data), (self._meta(path), json.dumps(meta).encode())):
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return StoredObject(key, len(data), actual, content_type, dict(metadata or {}))

    @staticmethod
    def _meta(path: Path) -> Path:
        return path.with_name(path.name + META_SUFFIX)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

    def head(self, key: str) -> StoredObject:
        path = self._path(key)
        try:
            meta = json.loads(self._meta(path).read_text())
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc
        return StoredObject(key, size, meta["sha256"], meta["content_type"], meta["metadata"])

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def stream(self, key: str, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            fh = self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

        def chunks() -> Iterator[bytes]:
            with fh:
                while block := fh.read(chunk_size):
                    yield block

        return chunks()

    def _retained_until(self, path: Path) -> dt.datetime | None:
        try:
            value = json.loads(self._meta(path).read_text()).get("retain_until")
        except FileNotFoundError:
            return None
        return dt.datetime.fromisoformat(value) if value else None

    def retain(self, key: str, until: dt.datetime) -> None:
        # Local disk cannot enforce retention against someone with a shell; it does refuse
        # this application's own deletes and overwrites. Production evidence belongs in S3.
        until = utc(until)
        path = self._path(key)
        meta_path = self._meta(path)
        try:
            meta = json.loads(meta_path.read_text())
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc
        current = meta.get("retain_until")
        if current is None or dt.datetime.fromisoformat(current) < until:
            meta["retain_until"] = until.isoformat()
            meta_path.write_text(json.dumps(meta))

    def _refuse_if_retained(self, path: Path) -> None:
        until = self._retained_until(path)
        if until is not None and until > dt.datetime.now(dt.UTC):
            raise Retained(f"retained until {until.isoformat()}")

    def delete(self, key: str) -> None:
        path = self._path(key)
        self._refuse_if_retained(path)
        path.unlink(missing_ok=True)
        self._meta(path).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        """The keys under `prefix` in byte order, as S3 lists them, walking one folder at a time
        (only one folder's entries are held, never every key). A folder sorts as its name plus
        "/", so "a-b" (a file) comes before "a/x" as in a sorted list of whole keys."""
        base = self.root / "objects"
        if not base.is_dir():
            return
        # Walk only the folders the prefix can reach: "evidence/12" starts in objects/evidence.
        folder, _, _ = prefix.rpartition("/")
        start = base / folder if folder else base
        if not start.is_dir():
            return
        yield from self._walk(start, f"{folder}/" if folder else "", prefix)

    def _walk(self, folder: Path, above: str, prefix: str) -> Iterator[str]:
        with os.scandir(folder) as scan:
            found = [
                (entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name, entry)
                for entry in scan
            ]
        found.sort(key=lambda pair: pair[0])
        for name, entry in found:
            key = above + name
            if name.endswith("/"):
                if key.startswith(prefix) or prefix.startswith(key):
                    yield from self._walk(Path(entry.path), key, prefix)
            elif key.startswith(prefix) and not name.endswith(META_SUFFIX) and not name.startswith(".tmp-"):
                yield key

    def ping(self) -> dict[str, Any]:
        base = self.root / "objects"
        base.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=base, prefix=".tmp-ping-"):
            pass
        return {"backend": self.backend}
