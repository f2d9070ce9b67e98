"""A fake OpenAI-compatible server speaking scripted SSE over real HTTP, for the backend tests and
for measuring the openai backend's own plumbing (no model behind it):

    python -m tests.llm.fake_sse --port 8799 --tokens 40
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar


def event(content: str) -> bytes:
    return b"data: " + json.dumps({"choices": [{"delta": {"content": content}}]}, ensure_ascii=False).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


class Script:
    """What the fake server sends: (bytes, delay before sending) pairs, or an HTTP status; `queue`
    holds one such list per request, in order, before `chunks` serves the rest."""

    status = 200
    chunks: ClassVar[list[tuple[bytes, float]]] = []
    queue: ClassVar[list[list[tuple[bytes, float]]]] = []
    requests: ClassVar[list[dict]] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Script.requests.append(json.loads(body))
        self.send_response(Script.status)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk, delay in Script.queue.pop(0) if Script.queue else Script.chunks:
            time.sleep(delay)
            try:
                self.wfile.write(chunk)
                self.wfile.flush()
            except BrokenPipeError:
                return

    def do_GET(self):
        self.send_response(200 if self.path.endswith("/models") else 404)
        self.end_headers()
        self.wfile.write(b'{"data": []}')

    def log_message(self, *args):
        pass


def start(port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/v1"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="serve a fixed reply of N one-word events, without delay")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--tokens", type=int, default=40)
    options = parser.parse_args()
    Script.chunks = [(event(f"word{index} "), 0) for index in range(options.tokens)] + [(DONE, 0)]
    httpd, url = start(options.port)
    print(url, flush=True)
    threading.Event().wait()
