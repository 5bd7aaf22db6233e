/*
 * The open class meeting's meeting mode (classmeetings/mode.html, mode_floor.html): small enhancements,
 * every page works without them (forms post, a reload shows the current state).
 *
 *   body.meeting-screen     the shared screen: large type (html.mode-meeting, app.css §14)
 *   [data-timer]            the open item's planned time counting down: data-ends and data-now (the server's
 *                           clock, to correct a wrong clock here) in seconds since 1970; words from data-msg-*
 *                           ("__TIME__ left", "__MINUTES__ min over time")
 *   #mode-poll              polls every 2 s; its answer swaps the live parts out of band. When the page's shape
 *                           (data-shape: the item under discussion, the item shown, its decision) changes, the
 *                           page reloads, unless someone is typing in a [data-keep-typing] form: then it says so
 *   #point-form             under htmx a 422 (the point's errors) is swapped like a success
 *   [data-agreements]       "Add an agreement" adds a row to the decision's formset from its <template>
 *   focus                   a button replaced by a poll gets the focus back (same id)
 */
(function () {
  "use strict";

  var root = document.documentElement;
  if (document.body && document.body.classList.contains("meeting-screen")) {
    root.classList.add("mode-meeting");
  }

  function announce(text, level) {
    if (text && window.Leerlingbespreking) {
      window.Leerlingbespreking.announce(text, level || "info");
    }
  }

  // --- the timer ------------------------------------------------------------------------------------------

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function tickTimer(timer) {
    var ends = parseInt(timer.getAttribute("data-ends"), 10) * 1000;
    var clock = timer.querySelector("[data-timer-clock]");
    if (isNaN(ends) || !clock) {
      return;
    }
    if (!timer.hasAttribute("data-skew")) {
      var serverNow = parseInt(timer.getAttribute("data-now"), 10) * 1000;
      timer.setAttribute("data-skew", String(isNaN(serverNow) ? 0 : serverNow - Date.now()));
    }
    var left = ends - (Date.now() + parseInt(timer.getAttribute("data-skew"), 10));
    var text;
    if (left >= 0) {
      var seconds = Math.floor(left / 1000);
      text = (timer.getAttribute("data-msg-left") || "__TIME__").replace(
        "__TIME__",
        Math.floor(seconds / 60) + ":" + pad(seconds % 60)
      );
    } else {
      var minutes = Math.max(1, Math.ceil(-left / 60000));
      text = (timer.getAttribute("data-msg-over") || "__MINUTES__").replace("__MINUTES__", String(minutes));
      if (!timer.hasAttribute("data-said-over") && !timer.classList.contains("cm-timer--over")) {
        announce(timer.getAttribute("data-msg-time-up"));
      }
      timer.setAttribute("data-said-over", "");
    }
    if (clock.textContent !== text) {
      clock.textContent = text;
    }
    timer.classList.toggle("cm-timer--over", left < 0);
  }

  function tickTimers() {
    document.querySelectorAll("[data-timer]").forEach(tickTimer);
  }

  // --- typing: never reload or swap a form under the user's hands --------------------------------------------

  document.addEventListener("input", function (event) {
    var form = event.target instanceof Element ? event.target.closest("[data-keep-typing]") : null;
    if (form) {
      form.setAttribute("data-dirty", "");
    }
  });

  document.addEventListener("submit", function (event) {
    if (event.target instanceof Element) {
      event.target.removeAttribute("data-dirty");
    }
  });

  function typing() {
    var active = document.activeElement;
    if (active && active.closest && active.closest("[data-keep-typing]") && active.matches("input, textarea, select")) {
      return true;
    }
    return Boolean(document.querySelector("[data-keep-typing][data-dirty]"));
  }

  // --- the poll ---------------------------------------------------------------------------------------------

  var told = false;
  var focusedId = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    focusedId = active && active.id && active !== document.body ? active.id : null;
    var target = event.detail.target;
    if (event.detail.xhr.status === 422 && target && target.id === "point-form") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (focusedId && (!document.activeElement || document.activeElement === document.body)) {
      var again = document.getElementById(focusedId);
      if (again) {
        again.focus();
      }
    }
    focusedId = null;
    tickTimers();
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var poll = event.detail.target;
    var page = document.querySelector("[data-mode]");
    if (!poll || poll.id !== "mode-poll" || !page) {
      return;
    }
    var shape = poll.getAttribute("data-shape");
    if (!shape || shape === page.getAttribute("data-shape")) {
      return;
    }
    if (!typing()) {
      window.location.reload();
    } else if (!told) {
      told = true;
      announce(page.getAttribute("data-msg-changed"));
    }
  });

  // The notes save themselves: once saved, they no longer hold the page back.
  document.addEventListener("htmx:afterRequest", function (event) {
    var element = event.detail.elt;
    if (!(element instanceof Element) || !event.detail.successful) {
      return;
    }
    if (element.matches("[data-notes]")) {
      var form = element.closest("[data-keep-typing]");
      if (form) {
        form.removeAttribute("data-dirty");
      }
    }
  });

  function init() {
    tickTimers();
    window.setInterval(tickTimers, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
