"""Shared helpers for the perf scripts (Python 3.11, standard library only).

- `Sandbox`: runs `linq-hooks sandbox` on a database file and reads its base URL.
- `fill`: creates N subscriptions through the HTTP API (the fixture).
- `PtyApp`: runs the dashboard in a pseudo-terminal of a given size and watches its output.
- `/proc` readers: CPU time, memory, context switches.

Everything runs in a throw-away HOME / XDG_DATA_HOME so logs and the default sandbox
database never touch the user's data dir.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("LINQ_HOOKS_BIN", REPO / "target" / "release" / "linq-hooks"))
API_KEY = "sandbox"
# Every fixture URL contains this host; seeing it in the dashboard's output means a row
# (or the detail pane of the selected row) has been drawn. The loading frame shows only
# the sandbox's own base URL, never this.
MARKER_HOST = "perf-hook.example"
MARKER = MARKER_HOST.encode()
# ratatui writes only the cells that changed: blanks on a fresh screen are skipped with a
# cursor move, so needles must not contain spaces.
LOADING = b"Loading"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def check_binary() -> None:
    if not BIN.exists():
        sys.exit(f"{BIN} not found: run `cargo build --release --bin linq-hooks` first")


def isolated_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment minus any Linq credentials, with HOME and the XDG dirs
    pointing into `home` (the dashboard and the sandbox write their logs there)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"LINQ_API_V3_API_KEY", "LINQ_API_KEY", "LINQ_API_V3_BASE_URL", "TMUX",
                     "LINQ_HOOKS_LOG", "COLUMNS", "LINES"}
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        TERM="xterm-256color",
        LANG=env.get("LANG", "C.UTF-8"),
    )
    # No display: the clipboard stays lazy and never reaches for X11/Wayland.
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------- sandbox


class Sandbox:
    """`linq-hooks sandbox --listen 127.0.0.1:0 --db DB --api-key sandbox --no-seed`."""

    LINE = re.compile(rb"listening on (\S+)")

    def __init__(self, db: Path, home: Path, extra_args: list[str] | None = None):
        self.db = db
        self.home = home
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def __enter__(self) -> "Sandbox":
        self.proc = subprocess.Popen(
            [str(BIN), "sandbox", "--listen", "127.0.0.1:0", "--db", str(self.db),
             "--api-key", API_KEY, "--no-seed", *self.extra_args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=isolated_env(self.home),
        )
        assert self.proc.stdout is not None
        line = b""
        deadline = time.monotonic() + 30
        fd = self.proc.stdout.fileno()
        while b"\n" not in line:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                self.stop()
                raise RuntimeError(f"the sandbox did not start: {line!r} {err}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    continue
                line += chunk
        match = self.LINE.search(line)
        if not match:
            self.stop()
            raise RuntimeError(f"unexpected sandbox banner: {line!r}")
        self.base_url = match.group(1).decode()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Api:
    """A keep-alive HTTP/1.1 connection to a sandbox (urllib would reconnect per call)."""

    def __init__(self, base_url: str):
        url = urllib.parse.urlsplit(base_url)
        self.prefix = url.path.rstrip("/") + "/v3"
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.headers = {
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def call(self, method: str, path: str, body: object | None = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        self.conn.request(method, self.prefix + path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def close(self) -> None:
        self.conn.close()


def event_catalog() -> list[str]:
    text = (REPO / "assets" / "webhook-event-types.txt").read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def fixture(i: int, catalog: list[str]) -> dict[str, object]:
    """Subscription number `i`: a unique https URL (most with a ?version= pin), 1–20
    events, a phone filter on about a quarter. Deterministic."""
    paths = ["linq", "v1/webhooks/linq", "messages", "inbound/imessage", "hook"]
    versions = ["2024-10-01", "2025-01-15", "2025-06-01", "2026-01-01"]
    url = f"https://{MARKER_HOST}/{paths[i % len(paths)]}/{i:05d}"
    if i % 10 < 7:
        url += f"?version={versions[i % len(versions)]}"
    elif i % 10 == 7:
        url += f"?tenant=t{i % 500}"
    count = 1 + (i * 7) % 20
    start = (i * 13) % len(catalog)
    events = list(dict.fromkeys(catalog[(start + k * 5) % len(catalog)] for k in range(count)))
    body: dict[str, object] = {"target_url": url, "subscribed_events": events}
    if i % 4 == 0:
        body["phone_numbers"] = [f"+1202555{(i + k) % 10000:04d}" for k in range(1 + i % 3)]
    return body


def fill(base_url: str, count: int) -> float:
    """Creates `count` subscriptions and pauses every fifth; returns the seconds it took."""
    catalog = event_catalog()
    api = Api(base_url)
    started = time.monotonic()
    try:
        for i in range(count):
            created = api.call("POST", "/webhook-subscriptions", fixture(i, catalog))
            if i % 5 == 4:
                assert isinstance(created, dict)
                api.call("PUT", f"/webhook-subscriptions/{created['id']}", {"is_active": False})
            if (i + 1) % 1000 == 0:
                log(f"  created {i + 1}/{count} ({time.monotonic() - started:.1f} s)")
        listed = api.call("GET", "/webhook-subscriptions")
        assert isinstance(listed, dict)
        got = len(listed["subscriptions"])
        if got != count:
            raise RuntimeError(f"expected {count} subscriptions in the fixture, found {got}")
    finally:
        api.close()
    return time.monotonic() - started


def prepare_db(db: Path, count: int, home: Path) -> None:
    """A sandbox database holding exactly `count` fixture subscriptions for key `sandbox`."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    log(f"preparing {db} with {count} subscriptions …")
    with Sandbox(db, home) as sandbox:
        took = fill(sandbox.base_url, count)
    log(f"  done in {took:.1f} s")


def count_in_db(db: Path, home: Path) -> int:
    with Sandbox(db, home) as sandbox:
        api = Api(sandbox.base_url)
        try:
            listed = api.call("GET", "/webhook-subscriptions")
        finally:
            api.close()
    assert isinstance(listed, dict)
    return len(listed["subscriptions"])


def reuse_or_prepare(db: Path, count: int, home: Path) -> None:
    """Keeps an existing fixture when it already holds `count` subscriptions."""
    if db.exists():
        try:
            if count_in_db(db, home) == count:
                log(f"reusing {db} ({count} subscriptions)")
                return
        except Exception as e:  # a broken fixture is simply rebuilt
            log(f"  cannot reuse {db}: {e}")
    prepare_db(db, count, home)


# --------------------------------------------------------------------------- the pty


def _child_setup() -> None:
    # A session of its own with the pty as controlling terminal, as in a real terminal
    # window (so /dev/tty works and SIGWINCH/SIGHUP behave).
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyApp:
    """The dashboard in a pseudo-terminal of `cols`×`rows`. `t0` is taken right before
    the spawn; every `t_*` is seconds since `t0`."""

    def __init__(self, args: list[str], env: dict[str, str], cols: int = 200, rows: int = 50):
        master, slave = os.openpty()
        winsize = struct.pack("HHHH", rows, cols, 0, 0)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, winsize)
        self.master = master
        self.buf = bytearray()
        self.t_first_byte: float | None = None
        self.eof = False
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(BIN), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            preexec_fn=_child_setup,
            close_fds=True,
        )
        os.close(slave)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def _read(self, timeout: float) -> int:
        """Reads what is available within `timeout`; returns the byte count."""
        if self.eof:
            time.sleep(max(0.0, timeout))
            return 0
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return 0
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the pty
            chunk = b""
        if not chunk:
            self.eof = True
            return 0
        if self.t_first_byte is None:
            self.t_first_byte = self.elapsed()
        self.buf += chunk
        # A real terminal answers a cursor-position query; the app does not send one today,
        # but if it ever does, a silent harness would measure crossterm's timeout instead.
        if b"\x1b[6n" in chunk:
            os.write(self.master, b"\x1b[1;1R")
        return len(chunk)

    def wait_for(self, needle: bytes, timeout: float = 30.0) -> float:
        """Seconds from spawn until `needle` first appears in the output."""
        start = 0
        deadline = time.perf_counter() + timeout
        while True:
            found = self.buf.find(needle, start)
            if found >= 0:
                return self.elapsed()
            start = max(0, len(self.buf) - len(needle) + 1)
            left = deadline - time.perf_counter()
            if left <= 0 or (self.eof and self.proc.poll() is not None):
                tail = bytes(self.buf[-600:]).decode(errors="replace")
                raise TimeoutError(f"{needle!r} not seen after {timeout} s; output tail: {tail!r}")
            self._read(min(left, 0.5))

    def drain(self, seconds: float) -> int:
        """Reads for `seconds`; returns how many bytes the app wrote meanwhile."""
        total = 0
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            total += self._read(left)
        return total

    def quit(self, timeout: float = 10.0) -> float:
        """Sends `q`, waits for the exit (draining the pty); returns the seconds it took."""
        start = time.perf_counter()
        os.write(self.master, b"q")
        deadline = start + timeout
        # Short steps (the exit is a few ms); once the pty is closed nothing is left to
        # drain, and a blocking wait sees the exit the moment it happens.
        while self.proc.poll() is None and time.perf_counter() < deadline:
            if self.eof:
                try:
                    self.proc.wait(timeout=max(0.0, deadline - time.perf_counter()))
                except subprocess.TimeoutExpired:
                    pass
                break
            self._read(0.001)
        took = time.perf_counter() - start
        if self.proc.poll() is None:
            log(f"  pid {self.pid} did not quit on 'q' within {timeout} s; sending SIGTERM")
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.close()
        return took

    def close(self) -> None:
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


# --------------------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches summed over the process's threads: each
    voluntary one is a wake-up from sleep."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except FileNotFoundError:
            continue
        for line in text.splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def thread_count(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def memory(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM, RssAnon, RssFile from /proc/PID/status, in MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "VmSize"}:
            out[key] = int(value.split()[0]) / 1024  # kB → MiB
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.1f} ms"
