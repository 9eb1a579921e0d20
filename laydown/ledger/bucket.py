"""The public log's copy in an S3-compatible bucket (AWS S3, MinIO, Garage, Ceph RGW, Cloudflare
R2...): `laydown log publish s3://bucket/prefix`, or LAYDOWN_LOG_PUBLISH_BUCKET for the worker.

The bucket is reached with boto3's own configuration: credentials from the usual chain
(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role), the endpoint of a
server other than AWS from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (then addressed by path, as
MinIO and Garage expect), the region from AWS_DEFAULT_REGION. Each object carries the
Content-Type and Cache-Control a CDN needs (full tiles immutable, the checkpoint no-cache).
Making the objects readable by the public is the bucket's policy, not Laydown's: ACLs are off
on most buckets today (docs/deployment.md).

A bucket is not asked which tiles it holds (a listing or a request per tile at each checkpoint
would cost more than the tiles): the full tiles named by the checkpoint it holds are there,
since a checkpoint is written only after its tiles; the others are written again.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from laydown import tlog
from laydown.core.errors import ValidationError


class BucketCopy:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValidationError(f"Not a bucket URL: {url!r}; write s3://bucket/prefix.")
        self.url = url.rstrip("/")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self._client: Any = None

    def __str__(self) -> str:
        return self.url

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            custom = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
            config = Config(
                s3={"addressing_style": "path" if custom else "auto"},
                retries={"max_attempts": 5, "mode": "standard"},
            )
            self._client = boto3.client("s3", config=config)
        return self._client

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def read(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = answer["Body"].read()
        return body

    def full_tiles_present(self, tiles: list[tlog.Tile]) -> set[tlog.Tile]:
        note = self.read("checkpoint")
        lines = note.decode(errors="replace").split("\n") if note else []
        if len(lines) < 2 or not lines[1].isdigit():
            return set()
        published = {t for t in tlog.tiles_for_size(int(lines[1])) if t.width == tlog.TILE_WIDTH}
        return {t for t in tiles if t in published}

    def write(self, name: str, content: bytes, *, content_type: str, cache: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key(name),
            Body=content,
            ContentType=content_type,
            CacheControl=cache,
        )

    def remove_tree(self, name: str) -> None:
        prefix = self.key(name).rstrip("/") + "/"
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
