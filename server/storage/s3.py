"""Evidence in an S3-compatible store (MinIO in production and in tests) through boto3.

Plain S3 API only, path-style addressing, SigV4. boto3's default CRC32 checksum headers are turned
off (several S3-compatible stores reject them); integrity in transit is checked with Content-MD5
and the object's SHA-256 is kept in its metadata. Timeouts are short and bounded so a stalled
store becomes a StoreError the caller can turn into "retry later", never a hung request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.domain.times import utc
from server.settings import S3Settings
from server.storage import DigestMismatch, ObjectMissing, StoredObject, StoreError, check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def make_client(settings: S3Settings) -> S3Client:
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"max_attempts": 2, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region,
        config=config,
    )


class S3Store:
    backend = "s3"

    def __init__(self, settings: S3Settings, client: S3Client | None = None) -> None:
        self.bucket = settings.bucket
        self.client = client or make_client(settings)

    def ensure_bucket(self, object_lock: bool = True) -> bool:
        """Create the bucket (versioned, with object lock) unless it exists; True when created."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in MISSING_CODES:
                raise StoreError(str(exc)) from exc
        except BotoCoreError as exc:
            raise StoreError(str(exc)) from exc
        try:
            self.client.create_bucket(Bucket=self.bucket, ObjectLockEnabledForBucket=object_lock)
            self.client.put_bucket_versioning(
                Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
            )
        except (BotoCoreError, ClientError) as exc:
            raise StoreError(str(exc)) from exc
        return True

    def put(
        self, key: str, data: bytes, sha256: str, content_type: str, metadata: Mapping[str, str] | None = None
    ) -> StoredObject:
        check_key(key)
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise DigestMismatch(f"sha256 of the bytes is {actual}, not {sha256}")
        meta = {**(metadata or {}), "sha256": actual}
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ContentMD5=md5,
                Metadata=meta,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StoreError(str(exc)) from exc
        return StoredObject(key, len(data), actual, content_type, dict(metadata or {}))

    def _call(self, fn: Any, key: str, **kwargs: Any) -> Any:
        try:
            return fn(Bucket=self.bucket, Key=check_key(key), **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                raise ObjectMissing(key) from exc
            raise StoreError(str(exc)) from exc
        except BotoCoreError as exc:
            raise StoreError(str(exc)) from exc

    def stream(self, key: str, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        body = self._call(self.client.get_object, key)["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(chunk_size)
            except BotoCoreError as exc:
                raise StoreError(str(exc)) from exc
            finally:
                body.close()

        return chunks()

    def retain(self, key: str, until: dt.datetime) -> None:
        until = utc(until)
        current = self._call(self.client.head_object, key).get("ObjectLockRetainUntilDate")
        if current is not None and current >= until:
            return  # compliance retention can only be extended, never shortened
        self._call(
            self.client.put_object_retention,
            key,
            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until},
        )

    def object_lock_enabled(self) -> bool:
        try:
            config = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ObjectLockConfigurationNotFoundError":
                return False
            raise StoreError(str(exc)) from exc
        except BotoCoreError as exc:
            raise StoreError(str(exc)) from exc
        return config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"

    def get(self, key: str) -> bytes:
        response = self._call(self.client.get_object, key)
        try:
            return response["Body"].read()  # type: ignore[no-any-return]
        except BotoCoreError as exc:
            raise StoreError(str(exc)) from exc

    def head(self, key: str) -> StoredObject:
        response = self._call(self.client.head_object, key)
        meta = dict(response.get("Metadata", {}))
        sha256 = meta.pop("sha256", "")
        return StoredObject(
            key, int(response["ContentLength"]), sha256, response.get("ContentType", ""), meta
        )

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except ObjectMissing:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call(self.client.delete_object, key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield obj["Key"]
        except (BotoCoreError, ClientError) as exc:
            raise StoreError(str(exc)) from exc

    def ping(self) -> dict[str, Any]:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StoreError(str(exc)) from exc
        return {"backend": self.backend, "bucket": self.bucket}
