/*
 * The entry grid (reviews/grid.html): keyboard-first, and every change saves itself.
 *
 * The page works without this file: one form per student, each with a Save
 * button. With it:
 *
 *  - A change saves the student's row through htmx: a light or a grade at once,
 *    advice after a short pause in typing and when leaving the field. Only the
 *    changed fields are sent, with the version the row shows. The server answers
 *    with the row's <tbody>: 200 saved (with the new version), 422 a message in
 *    the cell, 409 somebody else saved first (their version, and what was not
 *    saved), 403 not allowed. htmx does not swap 4xx answers by default; this
 *    grid opts in for exactly these three (htmx:beforeSwap below).
 *  - One request per row at a time. What is typed meanwhile stays in the field
 *    (it is put back after the row is replaced) and goes in the next request,
 *    with the version the server just gave.
 *  - A network error, a time-out or a 5xx is retried with backoff; after the
 *    last try the row says "not saved" and offers a retry button.
 *  - Leaving the page while something is unsaved asks first (beforeunload).
 *  - Keys (also in the help on the page, "?"): on a row's light, G/O/R or
 *    1/2/3 set the light; J, ↓ or Enter go to the next student, K or ↑ to the
 *    previous; C and A jump to the grade and the advice. In a grade, Enter or ↓
 *    go to the next student's grade. Esc leaves a text field for the row's light.
 *    Alt+1…9 in an advice field inserts a phrase; Ctrl+Enter goes to the next
 *    student's advice. Tab moves between fields as always.
 *
 * Words shown come from data-msg-* attributes the template renders in the
 * page's language, so no JavaScript catalogue is needed.
 */
(function () {
  "use strict";

  var ADVICE_PAUSE_MS = 800;
  var RETRY_DELAYS_MS = [1000, 3000, 7000];
  var FIELDS = ["grade", "light", "advice"];
  var LIGHT_KEYS = { g: "green", o: "orange", r: "red", 1: "green", 2: "orange", 3: "red" };
  var SWAPPED_ERRORS = [403, 409, 422];
  var PROBLEM_STATES = ["failed", "retrying", "invalid", "reason", "conflict", "session"];

  var grid = null;
  var live = null;
  var lastAdviceId = null;
  // Per row id: what is not yet saved. Rows are replaced after every save; this stays.
  var states = {};

  function stateOf(rowOrId) {
    var id = typeof rowOrId === "string" ? rowOrId : rowOrId.id;
    if (!states[id]) {
      states[id] = { dirty: {}, inflight: null, timer: null, retries: 0, status: "", httpStatus: null, live: null };
    }
    return states[id];
  }

  function msg(name) {
    return grid.getAttribute("data-msg-" + name) || "";
  }

  function rows() {
    return Array.prototype.slice.call(grid.querySelectorAll("[data-row]"));
  }

  function field(row, name) {
    return row.querySelector('[name="' + name + '"]');
  }

  function valueOf(row, name) {
    if (name === "light") {
      var checked = row.querySelector('input[name="light"]:checked');
      return checked ? checked.value : "";
    }
    var input = field(row, name);
    return input ? input.value : "";
  }

  function setValue(row, name, value) {
    if (name === "light") {
      row.querySelectorAll('input[name="light"]').forEach(function (radio) {
        radio.checked = radio.value === value;
      });
      return;
    }
    var input = field(row, name);
    if (input) {
      input.value = value;
    }
  }

  function hasDirty(state) {
    return Object.keys(state.dirty).length > 0;
  }

  // --- what the row shows -------------------------------------------------------------

  function announce(row, text) {
    if (live && text) {
      live.textContent = row.getAttribute("data-student-name") + ": " + text;
    }
  }

  function show(row, status) {
    var state = stateOf(row);
    state.status = status;
    row.setAttribute("data-state", status);
    var label = row.querySelector("[data-save-state]");
    if (label) {
      label.textContent = msg(status);
    }
    var retry = row.querySelector("[data-retry]");
    if (retry) {
      retry.hidden = status !== "failed" && status !== "session";
    }
    if (["saved", "failed", "invalid", "reason", "conflict", "refused", "session"].indexOf(status) >= 0) {
      announce(row, msg(status));
    }
  }

  /* Orange and red need advice: warn at once, before the server has answered. */
  function checkAdvice(row) {
    var warning = row.querySelector("[data-advice-required]");
    var advice = field(row, "advice");
    if (!warning || !advice) {
      return;
    }
    var light = valueOf(row, "light");
    var needed = (light === "orange" || light === "red") && !advice.value.trim();
    warning.hidden = !needed;
    row.classList.toggle("entry-row--incomplete", needed);
    var ids = (advice.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
      return id && id !== warning.id;
    });
    if (needed) {
      ids.push(warning.id);
    }
    if (ids.length) {
      advice.setAttribute("aria-describedby", ids.join(" "));
    } else {
      advice.removeAttribute("aria-describedby");
    }
  }

  function updateProgress() {
    var done = grid.querySelectorAll('[data-row][data-complete="true"]').length;
    document.querySelectorAll("[data-complete-count]").forEach(function (count) {
      count.textContent = String(done);
    });
    document.querySelectorAll("[data-complete-progress]").forEach(function (bar) {
      bar.value = done;
    });
  }

  // --- saving ---------------------------------------------------------------------------

  function changed(row, name, delay) {
    var state = stateOf(row);
    state.dirty[name] = true;
    if (!state.inflight && state.status !== "reason") {
      show(row, "pending");
    }
    schedule(row.id, delay);
  }

  function schedule(id, delay) {
    var state = stateOf(id);
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(function () {
      save(id);
    }, delay);
  }

  function save(id) {
    var state = stateOf(id);
    var row = document.getElementById(id);
    window.clearTimeout(state.timer);
    if (!row || state.inflight || !hasDirty(state) || !row.getAttribute("data-save-url")) {
      return;
    }
    var reason = field(row, "reason");
    if (reason && !reason.value.trim()) {
      show(row, "reason");
      return;
    }
    var sent = Object.keys(state.dirty);
    var values = { version: field(row, "version").value };
    sent.forEach(function (name) {
      values[name] = valueOf(row, name);
    });
    if (reason) {
      values.reason = reason.value;
    }
    state.dirty = {};
    state.inflight = { fields: sent, values: values };
    state.httpStatus = null;
    state.live = null;
    show(row, "saving");
    window.htmx
      .ajax("POST", row.getAttribute("data-save-url"), {
        source: row,
        target: row,
        // Settle at once, so the new row's attributes are final before finished() reads them.
        swap: "outerHTML settle:0ms",
        values: values,
      })
      .then(
        function () {
          finished(id, state.httpStatus);
        },
        function () {
          finished(id, 0);
        }
      );
  }

  function finished(id, status) {
    var state = stateOf(id);
    var sent = state.inflight;
    state.inflight = null;
    var row = document.getElementById(id);
    if (!row || !sent) {
      return;
    }
    if (status === 200) {
      state.retries = 0;
      putBackLive(row, state);
      checkAdvice(row);
      updateProgress();
      if (hasDirty(state)) {
        show(row, "pending");
        schedule(id, state.dirty.advice ? ADVICE_PAUSE_MS : 0);
      } else {
        show(row, "saved");
      }
    } else if (status === 422) {
      // Nothing was stored: what was sent stays unsaved, in the fields, until the
      // user corrects it (or gives the reason); then the whole lot goes again.
      state.retries = 0;
      var typedMeanwhile = Boolean(state.live && Object.keys(state.live.values).length);
      putBackLive(row, state);
      sent.fields.forEach(function (name) {
        state.dirty[name] = true;
      });
      checkAdvice(row);
      show(row, row.getAttribute("data-state") === "reason" ? "reason" : "invalid");
      if (typedMeanwhile) {
        schedule(id, 0); // the user may have corrected it while the answer was on its way
      }
    } else if (status === 409) {
      // Their version is shown; what the user wanted (also anything typed meanwhile) is offered again.
      state.retries = 0;
      var reapply = row.querySelector("[data-reapply]");
      if (reapply && state.live) {
        Object.keys(state.live.values).forEach(function (name) {
          reapply.setAttribute("data-yours-" + name, state.live.values[name]);
        });
      }
      if (reapply) {
        reapply.hidden = false;
      }
      state.live = null;
      state.dirty = {};
      show(row, "conflict");
    } else if (status === 403) {
      state.dirty = {};
      show(row, "refused");
    } else if (status === -1) {
      sent.fields.forEach(function (name) {
        state.dirty[name] = true;
      });
      show(row, "session");
    } else {
      // Not stored (network, time-out, server error): send it again, a few times, then ask.
      sent.fields.forEach(function (name) {
        state.dirty[name] = true;
      });
      var retryable = status === 0 || status >= 500;
      if (retryable && state.retries < RETRY_DELAYS_MS.length) {
        show(row, "retrying");
        schedule(id, RETRY_DELAYS_MS[state.retries]);
        state.retries += 1;
      } else {
        show(row, "failed");
      }
    }
  }

  /* Just before htmx replaces a row: keep what was typed since the request left. */
  function rememberLive(row, state) {
    var values = {};
    Object.keys(state.dirty).forEach(function (name) {
      values[name] = valueOf(row, name);
    });
    var active = document.activeElement;
    var focus = null;
    if (active && row.contains(active) && active.id && typeof active.selectionStart === "number") {
      focus = { id: active.id, start: active.selectionStart, end: active.selectionEnd };
    }
    state.live = { values: values, focus: focus };
  }

  function putBackLive(row, state) {
    if (!state.live) {
      return;
    }
    Object.keys(state.live.values).forEach(function (name) {
      setValue(row, name, state.live.values[name]);
    });
    var focus = state.live.focus;
    if (focus && Object.keys(state.live.values).length) {
      var input = document.getElementById(focus.id);
      if (input && document.activeElement === input && input.setSelectionRange) {
        input.setSelectionRange(focus.start, focus.end);
      }
    }
    state.live = null;
  }

  function onBeforeSwap(event) {
    var row = event.detail.target;
    if (!row || !row.hasAttribute || !row.hasAttribute("data-row")) {
      return;
    }
    var xhr = event.detail.xhr;
    var state = stateOf(row);
    var status = xhr.status;
    var requested = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    var answered = xhr.responseURL ? new URL(xhr.responseURL).pathname : requested;
    var fragment = String(event.detail.serverResponse || "").trim().indexOf("<tbody") === 0;
    if (status === 200 && (answered !== new URL(requested, window.location.href).pathname || !fragment)) {
      // Redirected to the login page: the session has ended. Show nothing of that page here.
      state.httpStatus = -1;
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      return;
    }
    state.httpStatus = status;
    if (status === 200 || (SWAPPED_ERRORS.indexOf(status) >= 0 && fragment)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      rememberLive(row, state);
    } else {
      // Retried or reported by this grid, per row; not the page's generic error message.
      event.detail.shouldSwap = false;
      event.detail.isError = false;
    }
  }

  function unsavedWork() {
    return Object.keys(states).some(function (id) {
      var state = states[id];
      return hasDirty(state) || state.inflight || PROBLEM_STATES.indexOf(state.status) >= 0;
    });
  }

  function flushAll() {
    Object.keys(states).forEach(function (id) {
      if (hasDirty(states[id]) && !states[id].inflight && states[id].status === "pending") {
        save(id);
      }
    });
  }

  // --- moving about ----------------------------------------------------------------------

  function focusLight(row) {
    var radio = row.querySelector('input[name="light"]:checked') || row.querySelector('input[name="light"]');
    if (radio) {
      radio.focus();
    }
  }

  function focusField(row, name) {
    if (!row) {
      return;
    }
    if (name === "light") {
      focusLight(row);
    } else {
      var input = field(row, name);
      if (input) {
        input.focus();
        if (input.select && name === "grade") {
          input.select();
        }
      }
    }
  }

  function neighbour(row, step) {
    var all = rows();
    var index = all.indexOf(row);
    return all[index + step] || null;
  }

  function go(row, step, name) {
    var next = neighbour(row, step);
    if (next) {
      focusField(next, name);
    }
  }

  function firstOpenRow() {
    var all = rows();
    for (var i = 0; i < all.length; i += 1) {
      if (all[i].getAttribute("data-complete") !== "true") {
        return all[i];
      }
    }
    return all[0] || null;
  }

  function setLight(row, value) {
    var radio = row.querySelector('input[name="light"][value="' + value + '"]');
    if (!radio) {
      return;
    }
    radio.focus(); // as the arrow keys do: focus follows the chosen light
    if (!radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function isTextField(element) {
    return (
      element instanceof HTMLTextAreaElement ||
      (element instanceof HTMLInputElement && ["text", "search", "number", ""].indexOf(element.type) >= 0) ||
      (element instanceof HTMLElement && element.isContentEditable)
    );
  }

  function toggleHelp() {
    var help = document.querySelector("[data-kbd-help]");
    if (help) {
      help.open = !help.open;
    }
  }

  // --- phrases ----------------------------------------------------------------------------

  function phraseButtons() {
    return document.querySelectorAll("[data-phrase]");
  }

  function insertPhrase(textarea, text) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? " " : "";
    textarea.focus();
    textarea.setRangeText(glue + text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // --- events ----------------------------------------------------------------------------

  function onKeydown(event) {
    if (event.defaultPrevented || event.isComposing) {
      return;
    }
    var target = event.target;
    var row = target.closest ? target.closest("[data-row]") : null;
    var key = event.key;
    var lower = key.length === 1 ? key.toLowerCase() : key;

    if (row && target.name === "advice" && event.altKey && !event.ctrlKey && !event.metaKey) {
      var digit = /^Digit([1-9])$/.exec(event.code || "");
      if (digit) {
        var button = phraseButtons()[Number(digit[1]) - 1];
        if (button) {
          event.preventDefault();
          insertPhrase(target, button.getAttribute("data-phrase"));
        }
      }
      return;
    }
    if (event.altKey || event.metaKey) {
      return;
    }
    if (event.ctrlKey) {
      if (row && target.name === "advice" && key === "Enter") {
        event.preventDefault();
        save(row.id);
        go(row, 1, "advice");
      }
      return;
    }
    if (!row) {
      if (!isTextField(target) && !(target instanceof HTMLButtonElement) && !(target instanceof HTMLSelectElement)) {
        if (key === "?") {
          event.preventDefault();
          toggleHelp();
        } else if (lower === "j") {
          event.preventDefault();
          focusField(firstOpenRow(), "light");
        }
      }
      return;
    }
    if (isTextField(target)) {
      if (key === "Escape") {
        event.preventDefault();
        focusLight(row);
      } else if (target.name === "grade" && (key === "Enter" || key === "ArrowDown")) {
        event.preventDefault();
        go(row, 1, "grade");
      } else if (target.name === "grade" && key === "ArrowUp") {
        event.preventDefault();
        go(row, -1, "grade");
      } else if (target.name === "reason" && key === "Enter") {
        event.preventDefault();
        save(row.id);
      }
      return;
    }
    if (target.name !== "light") {
      return; // buttons and links keep their own keys
    }
    if (LIGHT_KEYS[lower]) {
      event.preventDefault();
      setLight(row, LIGHT_KEYS[lower]);
    } else if (lower === "j" || key === "ArrowDown" || key === "Enter") {
      event.preventDefault();
      go(row, 1, "light");
    } else if (lower === "k" || key === "ArrowUp") {
      event.preventDefault();
      go(row, -1, "light");
    } else if (lower === "c") {
      event.preventDefault();
      focusField(row, "grade");
    } else if (lower === "a") {
      event.preventDefault();
      focusField(row, "advice");
    } else if (key === "?") {
      event.preventDefault();
      toggleHelp();
    }
  }

  function onInput(event) {
    var row = event.target.closest("[data-row]");
    if (!row) {
      return;
    }
    if (event.target.name === "advice") {
      checkAdvice(row);
      changed(row, "advice", ADVICE_PAUSE_MS);
    } else if (event.target.name === "grade") {
      stateOf(row).dirty.grade = true; // saved on change (leaving the field, Enter)
      if (!stateOf(row).inflight) {
        show(row, "pending");
      }
    }
  }

  function onChange(event) {
    var target = event.target;
    var row = target.closest("[data-row]");
    if (!row) {
      return;
    }
    if (target.name === "light") {
      checkAdvice(row);
      changed(row, "light", 0);
    } else if (target.name === "grade") {
      changed(row, "grade", 0);
    } else if (target.name === "advice") {
      if (stateOf(row).dirty.advice) {
        schedule(row.id, 0);
      }
    } else if (target.name === "reason") {
      schedule(row.id, 0);
    }
  }

  function onClick(event) {
    var target = event.target.closest("button");
    if (!target) {
      return;
    }
    var row = target.closest("[data-row]");
    if (row && target.hasAttribute("data-retry")) {
      stateOf(row).retries = 0;
      save(row.id);
    } else if (row && target.hasAttribute("data-reapply")) {
      FIELDS.forEach(function (name) {
        var yours = target.getAttribute("data-yours-" + name);
        if (yours !== null) {
          setValue(row, name, yours);
          stateOf(row).dirty[name] = true;
        }
      });
      checkAdvice(row);
      var first = FIELDS.filter(function (name) {
        return target.hasAttribute("data-yours-" + name);
      })[0];
      focusField(row, first || "light");
      save(row.id);
    } else if (target.hasAttribute("data-phrase")) {
      var textarea = lastAdviceId && document.getElementById(lastAdviceId);
      if (textarea) {
        insertPhrase(textarea, target.getAttribute("data-phrase"));
      } else if (live) {
        live.textContent = msg("no-advice-field");
      }
    }
  }

  function onSubmit(event) {
    var form = event.target;
    var row = form.closest ? form.closest("[data-row]") : null;
    if (!row) {
      return;
    }
    // Enter in a field of the row: save it through htmx, all its fields.
    event.preventDefault();
    FIELDS.forEach(function (name) {
      stateOf(row).dirty[name] = true;
    });
    save(row.id);
  }

  function start() {
    grid = document.querySelector("[data-entry-grid]");
    if (!grid || !window.htmx) {
      return;
    }
    live = document.querySelector("[data-grid-live]");
    grid.classList.add("is-enhanced");
    document.querySelectorAll("[data-kbd-help], [data-phrase-bank]").forEach(function (element) {
      element.hidden = false;
    });
    if (!grid.querySelector("[data-save-url]")) {
      return; // read-only: nothing to save, no keys to offer
    }

    grid.addEventListener("input", onInput);
    grid.addEventListener("change", onChange);
    grid.addEventListener("submit", onSubmit);
    document.addEventListener("click", onClick);
    document.addEventListener("keydown", onKeydown);
    grid.addEventListener("focusin", function (event) {
      if (event.target.name === "advice") {
        lastAdviceId = event.target.id;
      }
    });
    grid.addEventListener("htmx:beforeSwap", onBeforeSwap);
    // Network trouble is retried and shown per row: keep app.js's page-wide message out of it.
    ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) {
      grid.addEventListener(name, function (event) {
        event.stopPropagation();
      });
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        flushAll();
      }
    });
    window.addEventListener("beforeunload", function (event) {
      flushAll();
      if (unsavedWork()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
