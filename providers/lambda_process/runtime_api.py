"""The Lambda Runtime API of one execution environment, served on a loopback port of its own.

The runtime (awslambdaric) asks for the next invocation, then posts its response or error; before
that, a failed import is posted as an init error. Each of those reaches the environment as a
`RuntimeSignal` on `signals`; `hand_over` gives the runtime its next invocation.
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
"""

from __future__ import annotations

import json
import queue
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(
    rf"{PREFIX}/invocation/(?P<request_id>[^/]+)/(?P<kind>response|error)"
)
_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Invocation:
    """What the runtime gets from `next`: the event and the headers that describe it."""

    request_id: str
    payload: bytes
    function_arn: str
    trace_id: str = ""
    #: When the invocation times out, in ms since the epoch: set by the environment as it hands
    #: the invocation over.
    deadline_ms: int = 0


@dataclass(frozen=True)
class RuntimeSignal:
    """Something the runtime did: "next" (it waits for an invocation), "response", "error",
    "init_error"; or "exit" (the process ended), which the environment adds itself."""

    kind: str
    request_id: str = ""
    body: bytes = b""
    error_type: str = ""
    exit_code: int | None = None
    max_memory_used_mb: int | None = None
    generation: int = 0


@dataclass
class RuntimeApi:
    """Serves one environment's runtime; `generation` tags the signals of its current process."""

    signals: queue.Queue[RuntimeSignal] = field(default_factory=queue.Queue)
    generation: int = 0
    _invocations: queue.Queue[Invocation] = field(default_factory=queue.Queue)
    _closed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lambda-runtime-api", daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """host:port, as AWS_LAMBDA_RUNTIME_API takes it."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def hand_over(self, invocation: Invocation) -> None:
        """Give `invocation` to the runtime's pending (or next) `next` request."""
        self._invocations.put(invocation)

    def discard_pending(self) -> None:
        """Forget invocations no runtime took (its process ended before asking)."""
        while True:
            try:
                self._invocations.get_nowait()
            except queue.Empty:
                return

    def next_invocation(self) -> Invocation | None:
        """Block until an invocation is handed over; None once closed."""
        while not self._closed.is_set():
            try:
                return self._invocations.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
        return None

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler_for(api: RuntimeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path != f"{PREFIX}/invocation/next":
                self._reply(HTTPStatus.NOT_FOUND, {"errorMessage": f"no route {self.path}"})
                return
            api.signals.put(RuntimeSignal("next", generation=api.generation))
            invocation = api.next_invocation()
            if invocation is None:
                self._reply(HTTPStatus.GONE, {"errorMessage": "the environment is shutting down"})
                return
            headers = {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
            }
            if invocation.trace_id:
                headers["Lambda-Runtime-Trace-Id"] = invocation.trace_id
            self._send(HTTPStatus.OK, invocation.payload, headers)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
            if self.path == f"{PREFIX}/init/error":
                signal = RuntimeSignal(
                    "init_error", body=body, error_type=error_type, generation=api.generation
                )
            elif match := _INVOCATION_PATH.fullmatch(self.path):
                signal = RuntimeSignal(
                    match["kind"],
                    request_id=match["request_id"],
                    body=body,
                    error_type=error_type,
                    generation=api.generation,
                )
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"errorMessage": f"no route {self.path}"})
                return
            api.signals.put(signal)
            self._reply(HTTPStatus.ACCEPTED, {"status": "OK"})

        def _reply(self, status: HTTPStatus, document: dict[str, str]) -> None:
            self._send(status, json.dumps(document).encode(), {})

        def _send(self, status: HTTPStatus, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            try:
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the runtime was ended while it waited: expected

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base's name)
            """Quiet: the environment's log is the function's, not the server's."""

    return Handler
