"""An S3-compatible server over HTTP for the tests of the bucket copy of the log.

No S3 server ships in Debian or on PyPI (MinIO, Garage and Ceph RGW are not installable here),
so the tests run moto's server mode: a real HTTP server speaking the S3 REST protocol, reached
by boto3 exactly as a MinIO or AWS endpoint is (signed requests, path-style addressing,
Content-Type and Cache-Control kept per object, anonymous GETs served as a public bucket's).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    bucket: str

    def public_url(self, prefix: str) -> str:
        """Where an anonymous reader (a CDN, `laydown verify`) fetches the copy."""
        return f"{self.endpoint}/{self.bucket}/{prefix}"


def public_read(bucket: str) -> dict[str, Any]:
    """The bucket policy that lets anybody read the copy (docs/deployment.md gives the same)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicLog",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "laydown-test",
    "AWS_SECRET_ACCESS_KEY": "laydown-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def s3_server(bucket: str = "laydown-log") -> Iterator[S3Server]:
    """Start the server on a free loopback port with `bucket` made, and point boto3 at it
    (AWS_ENDPOINT_URL_S3 and test credentials in os.environ, restored after)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in [*S3_ENV, "AWS_ENDPOINT_URL_S3"]}
    os.environ.update({**S3_ENV, "AWS_ENDPOINT_URL_S3": endpoint})
    try:
        client: Any = __import__("boto3").client("s3")
        client.create_bucket(Bucket=bucket)
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read(bucket)))
        yield S3Server(endpoint, bucket)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()
