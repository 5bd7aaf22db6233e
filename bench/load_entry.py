"""The load run's machinery, standard library only: simulated teachers over HTTP, the web process, the tally.

Each teacher is a thread with its own "browser" (cookies, CSRF token) that logs in through
the real login form, opens their grid, waits for everybody else, then saves cells one after
the other with a short think time, as a teacher does with the keyboard. The server is
scripts/web.sh (gunicorn, production settings) in a process group of its own, always stopped
with that group. Requests carry X-Forwarded-Proto: https, as from the TLS proxy in front of
production: secure cookies and the HTTPS CSRF checks (Origin) apply as they would there.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

Cell = tuple[int, int]  # (teaching group pk, student pk)

_FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
_HX_HEADERS_TOKEN = re.compile(r"hx-headers='([^']*)'")
_X_CSRF = re.compile(r'"X-CSRFToken"\s*:\s*"([^"]+)"')


def form_csrf_token(page: str) -> str | None:
    """The hidden csrfmiddlewaretoken of a page's form."""
    match = _FORM_TOKEN.search(page)
    return match.group(1) if match else None


def htmx_csrf_token(page: str) -> str | None:
    """The token a page gives htmx (`hx-headers='{"X-CSRFToken": "…"}'`), as the browser would send it."""
    for attribute in _HX_HEADERS_TOKEN.findall(page):
        match = _X_CSRF.search(html.unescape(attribute))
        if match:
            return match.group(1)
    return None


# --- one teacher's browser ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: str
    location: str


class Browser:
    """Cookies and requests of one teacher; a fresh connection per request, as gunicorn's sync workers close it."""

    def __init__(self, host: str, port: int, *, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.origin = f"https://{host}:{port}"
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = {"Host": f"{self.host}:{self.port}", "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.origin  # what Django's CSRF check compares on HTTPS
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            self.remember(response.headers.get_all("Set-Cookie") or [])
            return Reply(response.status, text, response.headers.get("Location", ""))
        finally:
            connection.close()

    def remember(self, set_cookies: Sequence[str]) -> None:
        for header in set_cookies:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


# --- the teachers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Save:
    cell: Cell
    path: str
    field: str
    value: str
    version: int  # the version the teacher's grid shows for this cell (0: no entry yet)


@dataclass
class Teacher:
    username: str
    password: str
    grid_path: str
    saves: list[Save]


@dataclass
class Outcome:
    username: str
    login_ms: float | None = None
    grid_ms: float | None = None
    save_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # of the saves
    sent: dict[Cell, tuple[str, str]] = field(default_factory=dict)
    failure: str = ""


def log_in(browser: Browser, username: str, password: str) -> None:
    page = browser.request("GET", "/login/")
    token = form_csrf_token(page.body)
    if page.status != 200 or token is None:
        raise RuntimeError(f"GET /login/ answered {page.status} without a CSRF token")
    reply = browser.request(
        "POST", "/login/", form={"username": username, "password": password, "csrfmiddlewaretoken": token}
    )
    if reply.status != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"login as {username} answered {reply.status} (location {reply.location!r})")


def play(
    teacher: Teacher,
    *,
    host: str,
    port: int,
    start: threading.Barrier,
    stop: threading.Event,
    think_s: tuple[float, float],
    timeout: float,
    rng: random.Random,
    login_after_s: float = 0.0,
) -> Outcome:
    """One teacher: log in, open the grid, wait for the others, then save cell after cell."""
    outcome = Outcome(teacher.username)
    browser = Browser(host, port, timeout=timeout)
    token = None
    try:
        if stop.wait(login_after_s):
            raise RuntimeError("stopped before logging in")
        started = time.perf_counter()
        log_in(browser, teacher.username, teacher.password)
        outcome.login_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        grid = browser.request("GET", teacher.grid_path)
        outcome.grid_ms = (time.perf_counter() - started) * 1000
        if grid.status != 200:
            raise RuntimeError(f"GET {teacher.grid_path} answered {grid.status}")
        # The login rotated the token: take the one the grid page hands htmx, as the browser does.
        token = htmx_csrf_token(grid.body) or browser.cookies.get("csrftoken")
    except (OSError, RuntimeError) as error:
        outcome.failure = f"{teacher.username}: {error}"
    # Everybody starts saving at once, also when somebody could not log in (they save nothing).
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait()
    if token is None:
        return outcome
    headers = {"HX-Request": "true", "HX-Current-URL": f"{browser.origin}{teacher.grid_path}", "X-CSRFToken": token}
    for save in teacher.saves:
        if stop.wait(rng.uniform(*think_s)):
            outcome.failure = outcome.failure or f"{teacher.username}: stopped at the deadline"
            break
        outcome.sent[save.cell] = (save.field, save.value)
        form = {"version": save.version, save.field: save.value, "reason": ""}
        started = time.perf_counter()
        try:
            reply = browser.request("POST", save.path, form=form, headers=headers)
        except OSError as error:  # timeout, refused, reset: the save did not come back
            outcome.statuses[type(error).__name__] += 1
            continue
        outcome.save_ms.append((time.perf_counter() - started) * 1000)
        outcome.statuses[reply.status] += 1
    return outcome


def run_teachers(
    teachers: Sequence[Teacher],
    *,
    host: str,
    port: int,
    think_s: tuple[float, float],
    deadline: float,
    login_spread_s: float = 0.0,
    on_start: Callable[[], object] | None = None,
    timeout: float = 30,
    seed: int = 60,
) -> list[Outcome]:
    """All teachers at once, each in a thread; whatever runs at `deadline` (time.monotonic) stops.

    The logins start spread over `login_spread_s`; the saves start together when all are in,
    right after `on_start()` ran.
    """
    start = threading.Barrier(len(teachers), action=on_start, timeout=max(1.0, deadline - time.monotonic()))
    stop = threading.Event()
    outcomes: list[Outcome | None] = [None] * len(teachers)

    def work(index: int) -> None:
        outcomes[index] = play(
            teachers[index],
            host=host,
            port=port,
            start=start,
            stop=stop,
            think_s=think_s,
            timeout=timeout,
            rng=random.Random(seed + index),
            login_after_s=login_spread_s * index / len(teachers),
        )

    threads = [threading.Thread(target=work, args=(index,), daemon=True) for index in range(len(teachers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stop.set()
    start.abort()
    for thread in threads:
        thread.join(timeout=timeout + 1)
    return [
        outcome or Outcome(teacher.username, failure=f"{teacher.username}: still busy at the deadline")
        for teacher, outcome in zip(teachers, outcomes, strict=True)
    ]


# --- the tally --------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    expected: int
    rows: int
    lost: list[Cell]  # expected cells whose stored value is missing or not what the teacher sent last
    duplicates: int  # rows beyond one per cell
    unexpected: int  # rows of cells nobody saved


def tally(expected: Mapping[Cell, tuple[str, str]], stored: Sequence[tuple[Cell, Mapping[str, str]]]) -> Tally:
    """Compare what the teachers sent (cell → (field, value)) with the stored rows (cell, field → value)."""
    per_cell: dict[Cell, list[Mapping[str, str]]] = {}
    for cell, values in stored:
        per_cell.setdefault(cell, []).append(values)
    lost = [
        cell
        for cell, (name, value) in expected.items()
        if len(per_cell.get(cell, [])) != 1 or per_cell[cell][0].get(name) != value
    ]
    return Tally(
        expected=len(expected),
        rows=len(stored),
        lost=lost,
        duplicates=sum(len(rows) - 1 for rows in per_cell.values()),
        unexpected=sum(len(rows) for cell, rows in per_cell.items() if cell not in expected),
    )


# --- the machine ------------------------------------------------------------------------------------------------


def cpu_busy_seconds() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat; None where there is none."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def machine_busy_share(*, seconds: float) -> float | None:
    """How busy the machine is over the next `seconds` (0 to 1): others' work there skews every timing."""
    before = cpu_busy_seconds()
    time.sleep(seconds)
    after = cpu_busy_seconds()
    if before is None or after is None or after[1] == before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


# --- the web process -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def web_process(root: Path, env: Mapping[str, str], *, log: Path, url: str, ready_within: float) -> Iterator[None]:
    """scripts/web.sh in a session of its own (migrate, collectstatic, gunicorn); its whole group ends after."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(root / "scripts" / "web.sh")],
            cwd=root,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(process, url, log=log, within=ready_within)
        yield
    finally:
        _stop_group(process)


def _wait_until_serving(process: subprocess.Popen, url: str, *, log: Path, within: float) -> None:
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scripts/web.sh exited with {process.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError):
            # /healthz also wants a Celery worker; the login page only needs Django and the database.
            if Browser(host, int(port), timeout=5).request("GET", "/login/").status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not serve /login/ within {within:.0f} s:\n{_tail(log)}")


def _stop_group(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM to gunicorn's arbiter, then SIGKILL to whatever is left of its process group.

    Returns when the whole group is gone, so none of its database connections outlives it
    (the throwaway database is dropped next).
    """
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=grace)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
