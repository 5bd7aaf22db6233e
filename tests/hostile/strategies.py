"""What a hostile or careless user types: garbage, huge and empty values, scripts, formulas, NUL bytes."""

from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
HUGE = "x" * 100_000

NASTY = (
    "",
    " ",
    "\t\r\n",
    "\x00",
    "a\x00b",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE school_student; --",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "{{ request.user }}",
    "{% debug %}",
    "%(value)s %s {0}",
    "\u202egnp.exe",  # right-to-left override
    "Zoë 👩‍👩‍👧 中文 עברית",
    "\ufeffbom",
    "0",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "9999-12-31T23:59",
    "0000-00-00",
    HUGE,
)

# Unicode text without surrogates (a browser cannot send those), short or long.
hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
)
