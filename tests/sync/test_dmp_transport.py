"""HTTPS to the DMP: an answer larger than the bound is not read into memory but retried later."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sync.dmp.transport import MAX_ANSWER_BYTES, TlsFiles, post
from sync.errors import RetryLater
from sync.sandbox.ca import Pki

ANSWER = b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"/>'


class _Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (stdlib name)
        self.rfile.read(int(self.headers["Content-Length"]))
        size = int(self.path.rsplit("/", 1)[-1])
        chunked = self.path.startswith("/chunked/")
        self.send_response(200)
        self.send_header("Content-Type", "application/soap+xml")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(max(size, len(ANSWER))))
        self.end_headers()
        body = ANSWER if size <= len(ANSWER) else b" " * size
        try:
            if chunked:
                for start in range(0, len(body), 1 << 20):
                    piece = body[start:start + (1 << 20)]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(body)
        except OSError:
            pass  # the client stopped reading, as it should

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        """Quiet."""


@pytest.fixture
def https_url(sandbox_pki: Pki) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(sandbox_pki.server_cert), str(sandbox_pki.server_key))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _post(url: str, pki: Pki) -> bytes:
    tls = TlsFiles(pki.client_cert, pki.client_key, pki.ca_cert)
    return post(url, tls, content_type="application/soap+xml", body=b"<x/>", action="a",
                timeout=10).body


def test_an_answer_within_the_bound_is_read_whole(https_url: str, sandbox_pki: Pki) -> None:
    assert _post(f"{https_url}/length/0", sandbox_pki) == ANSWER
    assert _post(f"{https_url}/chunked/0", sandbox_pki) == ANSWER
    assert len(_post(f"{https_url}/chunked/{MAX_ANSWER_BYTES}", sandbox_pki)) == MAX_ANSWER_BYTES


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_an_answer_larger_than_the_bound_means_try_again_later_with_the_reason(
        https_url: str, sandbox_pki: Pki, framing: str) -> None:
    with pytest.raises(RetryLater, match="dépasse 8 Mio"):
        _post(f"{https_url}/{framing}/{MAX_ANSWER_BYTES + 1}", sandbox_pki)
