"""The load run's harness (bench/load_entry.py), against a stand-in server: no gunicorn, no database.

The stand-in checks what Django would: the login form's CSRF token, the rotated token
afterwards (from the page's hx-headers), Origin on HTTPS posts, and the session cookie.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from bench.entry_world import percentile
from bench.load_entry import Browser, Save, Teacher, htmx_csrf_token, run_teachers, tally


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 100) == 100
    assert percentile([7.0], 95) == 7
    assert percentile([3.0, 1.0, 2.0], 50) == 2


def test_the_htmx_token_is_read_from_the_body_tag():
    page = """<body class="" hx-headers='{"X-CSRFToken": "abc123"}'>"""

    assert htmx_csrf_token(page) == "abc123"
    assert htmx_csrf_token("<body>") is None


def test_cookies_are_kept_replaced_and_deleted():
    browser = Browser("127.0.0.1", 1, timeout=1)

    browser.remember(["csrftoken=one; Path=/; Secure; SameSite=Lax", "sessionid=s1; HttpOnly; Path=/; Secure"])
    browser.remember(["csrftoken=two; Path=/"])
    browser.remember(['sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'])

    assert browser.cookies == {"csrftoken": "two"}


def test_the_tally_counts_missing_changed_duplicate_and_unexpected_rows():
    expected = {
        (1, 1): ("light", "green"),
        (1, 2): ("advice", "Oefen."),
        (1, 3): ("light", "red"),  # never stored
        (1, 4): ("light", ""),
    }
    stored = [
        ((1, 1), {"light": "green", "advice": ""}),
        ((1, 2), {"light": "orange", "advice": "Anders."}),  # somebody else's advice
        ((1, 4), {"light": "", "advice": ""}),
        ((1, 4), {"light": "", "advice": ""}),  # twice
        ((9, 9), {"light": "green", "advice": ""}),  # nobody saved this
    ]

    result = tally(expected, stored)

    assert sorted(result.lost) == [(1, 2), (1, 3), (1, 4)]
    assert (result.expected, result.rows, result.duplicates, result.unexpected) == (4, 5, 1, 1)


# --- the teachers against a stand-in server ---------------------------------------------------------------


class StandIn(BaseHTTPRequestHandler):
    """Django's login, CSRF and session rules in miniature; records every save it accepts."""

    saves: list[tuple[str, str, dict[str, str]]]
    lock = threading.Lock()

    def log_message(self, *args) -> None:
        pass

    def cookies(self) -> dict[str, str]:
        pairs = (part.strip().split("=", 1) for part in self.headers.get("Cookie", "").split(";") if "=" in part)
        return dict(pairs)

    def answer(self, status: int, body: str = "", cookies: dict[str, str] | None = None, location: str = "") -> None:
        self.send_response(status)
        for name, value in (cookies or {}).items():
            self.send_header("Set-Cookie", f"{name}={value}; Path=/; Secure")
        if location:
            self.send_header("Location", location)
        encoded = body.encode()
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def do_GET(self) -> None:
        cookies = self.cookies()
        if self.path == "/login/":
            self.answer(200, '<input type="hidden" name="csrfmiddlewaretoken" value="form-t0">', {"csrftoken": "t0"})
        elif self.path == "/grid/" and cookies.get("sessionid", "").startswith("session-"):
            user = cookies["sessionid"].removeprefix("session-")
            self.answer(200, f"""<body hx-headers='{{"X-CSRFToken": "t1-{user}"}}'>""")
        else:
            self.answer(302, location="/login/")

    def do_POST(self) -> None:
        cookies = self.cookies()
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
        if self.headers.get("Origin") != f"https://{self.headers['Host']}":
            self.answer(403, "origin")
        elif self.path == "/login/":
            if form.get("csrfmiddlewaretoken") != "form-t0" or cookies.get("csrftoken") != "t0":
                self.answer(403, "csrf")
            elif form.get("password") != "geheim-wachtwoord":
                self.answer(200, "wrong password")
            else:
                user = form["username"]
                self.answer(302, cookies={"sessionid": f"session-{user}", "csrftoken": f"t1-{user}"}, location="/")
        else:
            user = cookies.get("sessionid", "").removeprefix("session-")
            if self.headers.get("X-CSRFToken") != f"t1-{user}" or cookies.get("csrftoken") != f"t1-{user}":
                self.answer(403, "csrf")
            elif self.headers.get("HX-Request") != "true":
                self.answer(400)
            else:
                with self.lock:
                    self.saves.append((user, self.path, form))
                self.answer(200, "<tr>saved</tr>")


@pytest.fixture
def stand_in() -> Iterator[tuple[int, list]]:
    StandIn.saves = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], StandIn.saves
    finally:
        server.shutdown()
        server.server_close()


def plan(user: str, cells: int) -> Teacher:
    saves = [
        Save((1, n), f"/save/{user}/{n}/", "light" if n % 2 else "advice", f"value-{user}-{n}", n % 3)
        for n in range(cells)
    ]
    return Teacher(username=user, password="geheim-wachtwoord", grid_path="/grid/", saves=saves)


def test_teachers_log_in_take_the_rotated_token_and_save_with_their_versions(stand_in):
    port, saves = stand_in
    teachers = [plan("anna", 4), plan("bram", 4)]

    outcomes = run_teachers(
        teachers, host="127.0.0.1", port=port, think_s=(0, 0.01), deadline=time.monotonic() + 20, timeout=5
    )

    assert [outcome.failure for outcome in outcomes] == ["", ""]
    assert [dict(outcome.statuses) for outcome in outcomes] == [{200: 4}, {200: 4}]
    assert all(len(outcome.save_ms) == 4 for outcome in outcomes)
    received = {(user, path): form for user, path, form in saves}
    for teacher in teachers:
        for save in teacher.saves:
            assert received[teacher.username, save.path] == {
                "version": str(save.version),
                save.field: save.value,
                "reason": "",
            }
        assert outcomes[teachers.index(teacher)].sent == {s.cell: (s.field, s.value) for s in teacher.saves}


def test_a_teacher_who_cannot_log_in_saves_nothing_and_the_others_go_on(stand_in):
    port, saves = stand_in
    wrong = plan("carl", 3)
    wrong.password = "vergeten"

    outcomes = run_teachers(
        [wrong, plan("dana", 3)], host="127.0.0.1", port=port, think_s=(0, 0), deadline=time.monotonic() + 20
    )

    assert "login as carl answered 200" in outcomes[0].failure
    assert outcomes[0].sent == {}
    assert dict(outcomes[1].statuses) == {200: 3}
    assert {user for user, _path, _form in saves} == {"dana"}


def test_the_deadline_stops_the_teachers(stand_in):
    port, _saves = stand_in
    started = time.monotonic()

    outcomes = run_teachers(
        [plan("eva", 50)], host="127.0.0.1", port=port, think_s=(0.2, 0.2), deadline=time.monotonic() + 1
    )

    assert time.monotonic() - started < 5
    assert "stopped at the deadline" in outcomes[0].failure
    assert 0 < len(outcomes[0].save_ms) < 50
