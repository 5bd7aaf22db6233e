/*
 * The department meeting (mentoring/meetings/*): small enhancements, every page works without them.
 *
 *   body.meeting-screen      meeting mode on the shared screen: large type (html.mode-meeting, app.css §14)
 *   [data-timer]             the item's countdown; data-minutes, data-started and data-now (the server's clock,
 *                            to correct a wrong clock here) in seconds since 1970; words from data-msg-*
 *   [data-key-prev|next]     ← and → go to the previous / next item: app.js, for every page
 *   [data-agreements]        "Add an agreement" adds a row to the decision's formset from its <template>
 *   #agenda                  after htmx swapped the agenda, the focus goes back to the moved item's button
 */
(function () {
  "use strict";

  var root = document.documentElement;

  // Meeting mode: before the first paint of the rest (this script is not deferred on those pages).
  if (document.body && document.body.classList.contains("meeting-screen")) {
    root.classList.add("mode-meeting");
  }

  function announce(text) {
    if (text && window.Leerlingbespreking) {
      window.Leerlingbespreking.announce(text, "info");
    }
  }

  // --- the countdown ------------------------------------------------------------------------------

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function clockText(ms) {
    var seconds = Math.floor(Math.abs(ms) / 1000);
    return Math.floor(seconds / 60) + ":" + pad(seconds % 60);
  }

  function startTimer(timer) {
    var started = parseInt(timer.getAttribute("data-started"), 10) * 1000;
    var minutes = parseInt(timer.getAttribute("data-minutes"), 10);
    var clock = timer.querySelector("[data-timer-clock]");
    if (isNaN(started) || isNaN(minutes) || !clock) {
      return;
    }
    var serverNow = parseInt(timer.getAttribute("data-now"), 10) * 1000;
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    var end = started + minutes * 60000;
    var warned = false;
    var over = false;

    function tick() {
      var left = end - (Date.now() + skew);
      if (left >= 0) {
        clock.textContent = clockText(left) + " " + timer.getAttribute("data-msg-left");
      } else {
        clock.textContent = "+" + clockText(left) + " " + timer.getAttribute("data-msg-over");
      }
      timer.classList.toggle("meeting-timer--soon", left >= 0 && left <= 60000);
      timer.classList.toggle("meeting-timer--over", left < 0);
      if (!warned && left > 0 && left <= 60000) {
        warned = true;
        announce(timer.getAttribute("data-msg-one-minute"));
      }
      if (!over && left < 0) {
        over = true;
        announce(timer.getAttribute("data-msg-time-up"));
      }
    }

    // Already past the warning when the page opens: say nothing about it.
    warned = end - (Date.now() + skew) <= 60000;
    over = end - (Date.now() + skew) < 0;
    tick();
    window.setInterval(tick, 1000);
  }


  // --- the agenda's move buttons under htmx ------------------------------------------------------------

  var lastMove = null;
  var agendaRequest = false;
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-move]") : null;
    lastMove = button ? button.getAttribute("data-move") : lastMove;
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var agenda = document.getElementById("agenda");
    agendaRequest = Boolean(agenda && event.target instanceof Node && agenda.contains(event.target));
  });

  // The agenda was replaced, and with it the button that had the focus: put it back where the user was.
  document.addEventListener("htmx:afterSettle", function () {
    var agenda = document.getElementById("agenda");
    if (!agendaRequest || !agenda) {
      return;
    }
    agendaRequest = false;
    var target = null;
    if (lastMove) {
      target = agenda.querySelector('[data-move="' + lastMove + '"]:not([disabled])');
      if (!target) {
        target = agenda.querySelector('[data-move^="' + lastMove.split(":")[0] + ':"]:not([disabled])');
      }
    }
    lastMove = null;
    (target || agenda.querySelector("h2")).focus();
  });

  function init() {
    document.querySelectorAll("[data-timer]").forEach(startTimer);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
