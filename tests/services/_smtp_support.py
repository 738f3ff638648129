"""Local mail servers for fault tests: one that never answers, one that answers slowly.

Both listen on 127.0.0.1 on a free port in a daemon thread; nothing reaches the network.
"""

import socket
import threading
import time
from collections import Counter


class StalledSmtp:
    """Accepts connections and never says a word (each is closed after `hold` seconds)."""

    def __init__(self, *, hold: float):
        self.hold = hold
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _address = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            threading.Timer(self.hold, conn.close).start()

    def close(self):
        self.stopped.set()
        self.sock.close()


class SlowSmtp:
    """Just enough SMTP to take messages, `delay` seconds after each DATA; counts them per
    X-Idempotency-Key header."""

    def __init__(self, *, delay: float):
        self.delay = delay
        self.received: Counter = Counter()
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _address = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        conn.settimeout(10)
        stream = conn.makefile("rwb")

        def say(line: str):
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        try:
            say("220 slow.test ESMTP")
            while line := stream.readline():
                verb = line.decode(errors="replace").strip().upper()
                if verb.startswith(("EHLO", "HELO")):
                    say("250 slow.test")
                elif verb == "DATA":
                    say("354 go on")
                    self._take(stream)
                    time.sleep(self.delay)
                    say("250 queued")
                elif verb == "QUIT":
                    say("221 bye")
                    break
                else:
                    say("250 ok")
        except OSError:
            pass
        finally:
            conn.close()

    def _take(self, stream):
        key = None
        while (line := stream.readline()) not in (b".\r\n", b""):
            text = line.decode(errors="replace")
            if text.lower().startswith("x-idempotency-key:"):
                key = text.split(":", 1)[1].strip()
        with self.lock:
            self.received[key] += 1

    def close(self):
        self.stopped.set()
        self.sock.close()
