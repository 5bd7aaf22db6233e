/*
 * Questions and the speed-date (mentoring/questions/*): small enhancements, every page works without them.
 *
 *  - Countdown: every [data-countdown] shows the time left (mm:ss) until its
 *    data-ends-at (ISO 8601), corrected for the device's clock by data-now (the
 *    server's time when the page was made). Without JavaScript the end time stands
 *    as text. One calm announcement with a minute left, and one when time is up.
 *  - The speed-date board ([data-speed-date-board]) refreshes itself every 10 s
 *    through htmx. What a teacher is typing in an answer survives the refresh
 *    (values, focus and caret are put back), and new questions or answers are
 *    announced in the live region.
 *  - Answer and question forms ([data-question-form]) get their 422 answers
 *    (the form with its errors) swapped in; htmx leaves 4xx alone by default.
 *    An answer to a question that has gone meanwhile (404) is told in words and
 *    the board is fetched again.
 *
 * Words come from data-msg-* attributes on the board, rendered in the page's
 * language, so no JavaScript catalogue is needed.
 */
(function () {
  "use strict";

  var BOARD_SELECTOR = "[data-speed-date-board]";
  var announced = {};
  // Per round: the state at the last tick. The board is redrawn every 10 s, so this lives here, not on elements.
  var lastState = {};

  function announce(text, level) {
    if (text && window.Leerlingbespreking) {
      window.Leerlingbespreking.announce(text, level || "info");
    }
  }

  function board() {
    return document.querySelector(BOARD_SELECTOR);
  }

  function msg(name) {
    var element = board();
    return element ? element.getAttribute("data-msg-" + name) || "" : "";
  }

  /* --- the countdown ------------------------------------------------------------------- */

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function formatLeft(ms) {
    var seconds = Math.ceil(ms / 1000);
    var minutes = Math.floor(seconds / 60);
    return minutes + ":" + pad(seconds % 60);
  }

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (round) {
      var endsAt = Date.parse(round.getAttribute("data-ends-at"));
      if (isNaN(endsAt)) {
        return;
      }
      if (round.skew === undefined) {
        // The server's clock rules: how far this device is off, measured when the round was drawn.
        var serverNow = Date.parse(round.getAttribute("data-now"));
        round.skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
      }
      var clock = round.querySelector("[data-countdown-clock]");
      var key = round.getAttribute("data-round") + "@" + round.getAttribute("data-ends-at");
      var left = endsAt - (Date.now() + round.skew);
      var previous = lastState[key];
      var state = left <= 0 ? "over" : left <= 60000 ? "last-minute" : "running";
      if (clock) {
        clock.textContent = state === "over" ? msg("time-up") || clock.textContent : formatLeft(left);
      }
      round.setAttribute("data-state", state);
      lastState[key] = state;
      // Announce only what happens while the page is open, once per round.
      if (previous && previous !== state) {
        if (state === "last-minute" && !announced[key + ":minute"]) {
          announced[key + ":minute"] = true;
          announce(msg("one-minute"));
        } else if (state === "over" && !announced[key + ":over"]) {
          announced[key + ":over"] = true;
          announce(msg("time-up-announce"));
        }
      }
    });
  }

  /* --- keeping what a teacher types across the board's refresh ---------------------------- */

  var kept = null;

  function keepTyping(element) {
    var values = {};
    element.querySelectorAll("textarea[id]").forEach(function (field) {
      if (field.value) {
        values[field.id] = field.value;
      }
    });
    var active = document.activeElement;
    var focus = null;
    if (active && active.id && element.contains(active)) {
      focus = { id: active.id, start: active.selectionStart, end: active.selectionEnd };
    }
    return {
      values: values,
      focus: focus,
      openCount: Number(element.getAttribute("data-open-count") || 0),
      answeredCount: Number(element.getAttribute("data-answered-count") || 0),
    };
  }

  function restoreTyping(element, state, fromPoll) {
    Object.keys(state.values).forEach(function (id) {
      var field = document.getElementById(id);
      // A field the server filled (a form returned with its errors) keeps the server's text.
      if (field && element.contains(field) && !field.value) {
        field.value = state.values[id];
      }
    });
    var focused = state.focus ? document.getElementById(state.focus.id) : null;
    if (focused && element.contains(focused)) {
      focused.focus();
      if (typeof focused.setSelectionRange === "function" && state.focus.start !== null) {
        try {
          focused.setSelectionRange(state.focus.start, state.focus.end);
        } catch (e) {
          /* not a text field */
        }
      }
    } else if (!fromPoll) {
      // After one's own answer: to the field that needs fixing, or (the question answered
      // has gone) to the list's heading, so keyboard users continue from there.
      var next = element.querySelector('[aria-invalid="true"]') || element.querySelector("[data-board-heading]");
      if (next) {
        next.focus();
      }
    }
    if (fromPoll) {
      var openCount = Number(element.getAttribute("data-open-count") || 0);
      var answeredCount = Number(element.getAttribute("data-answered-count") || 0);
      if (openCount > state.openCount) {
        announce(msg("new-question"));
      } else if (answeredCount > state.answeredCount) {
        announce(msg("new-answer"));
      }
    }
  }

  function isBoard(element) {
    return element instanceof Element && element.matches(BOARD_SELECTOR);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (detail.xhr.status === 422 && source instanceof Element && source.closest("[data-question-form]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
    // The session ran out: the refresh was sent to the login page. Reload, rather than show it inside the board.
    if (isBoard(source) && detail.xhr.responseURL && detail.xhr.responseURL.indexOf(source.getAttribute("hx-get")) === -1) {
      detail.shouldSwap = false;
      window.location.reload();
      return;
    }
    if (isBoard(detail.target) && detail.shouldSwap) {
      kept = keepTyping(detail.target);
      kept.fromPoll = isBoard(source);
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var element = board();
    if (kept && element && (isBoard(event.detail.target) || event.detail.target === element)) {
      var state = kept;
      kept = null;
      restoreTyping(element, state, state.fromPoll);
      tick();
    }
  });

  // An answer to a question that has gone meanwhile (withdrawn by the mentor): say so in words,
  // instead of app.js's general "that did not work", and show the board as it is now.
  document.addEventListener(
    "htmx:responseError",
    function (event) {
      var source = event.detail.requestConfig && event.detail.requestConfig.elt;
      var element = board();
      if (event.detail.xhr.status !== 404 || !element || !(source instanceof Element) || !element.contains(source)) {
        return;
      }
      event.stopPropagation();
      announce(msg("gone"), "warning");
      if (window.htmx && element.getAttribute("hx-get")) {
        window.htmx.ajax("GET", element.getAttribute("hx-get"), { target: element, swap: "outerHTML" });
      }
    },
    true
  );

  function start() {
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
