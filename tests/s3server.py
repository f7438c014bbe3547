"""A real S3-compatible server (moto's) on a free port of loopback, in this process, with a
bucket to use as the shared figure cache. Its clients find it as any S3 client finds an
endpoint: through the standard ``AWS_*`` environment variables."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

BUCKET = "figures-cache"


@dataclass
class S3Server:
    endpoint: str
    env: dict[str, str]  # what a build needs to reach it

    def filesystem(self) -> Any:  # an s3fs.S3FileSystem (s3fs is a test extra)
        import s3fs

        return s3fs.S3FileSystem(key=self.env["AWS_ACCESS_KEY_ID"],
                                 secret=self.env["AWS_SECRET_ACCESS_KEY"],
                                 endpoint_url=self.endpoint, skip_instance_cache=True)


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def s3_server(secret: str = "local-test-secret-d41d8cd9") -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env = {"AWS_ACCESS_KEY_ID": "AKIALOCALTEST0000001", "AWS_SECRET_ACCESS_KEY": secret,
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
               "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        s3 = S3Server(endpoint, env)
        s3.filesystem().mkdir(BUCKET)
        yield s3
    finally:
        server.stop()
