/*
 * Leerlingbespreking: the little JavaScript the pages need.
 *
 * Everything here is an enhancement: every page works with a full reload and
 * without JavaScript. No inline scripts or handlers in templates (a strict
 * Content-Security-Policy follows); behaviour hangs on data- attributes.
 *
 *   data-meeting-toggle   a button that switches large-type meeting/board mode
 *   data-confirm="…"      on a <form>: ask before submitting
 *   data-key-prev/-next   on a link: ← / → follow it (outside fields, without modifier keys),
 *                         for pages walked one at a time (meeting items, care-board session, discussion)
 *   #messages             the ARIA live region; HTMX errors are announced there
 */
(function () {
  "use strict";

  var MEETING_KEY = "leerlingbespreking:meeting-mode";
  var root = document.documentElement;

  function storedMeetingMode() {
    try {
      return window.localStorage.getItem(MEETING_KEY) === "on";
    } catch (e) {
      return false;
    }
  }

  // Before first paint (this script is not deferred), so the page does not jump.
  if (storedMeetingMode()) {
    root.classList.add("mode-meeting");
  }

  function setMeetingMode(on) {
    root.classList.toggle("mode-meeting", on);
    document.querySelectorAll("[data-meeting-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    try {
      window.localStorage.setItem(MEETING_KEY, on ? "on" : "off");
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
  }

  /* Put a short message in the live region, as the server's messages are. */
  function announce(text, level) {
    var region = document.getElementById("messages");
    if (!region || !text) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert--" + (level || "info");
    var icon = document.createElement("span");
    icon.className = "alert__icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = level === "error" ? "✕" : "i";
    var body = document.createElement("div");
    body.className = "alert__body";
    body.textContent = text;
    alert.append(icon, body);
    region.replaceChildren(alert);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var on = root.classList.contains("mode-meeting");
    document.querySelectorAll("[data-meeting-toggle]").forEach(function (button) {
      button.hidden = false;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.addEventListener("click", function () {
        setMeetingMode(!root.classList.contains("mode-meeting"));
      });
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement ? form.dataset.confirm : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function typing(target) {
    return Boolean(target && target.closest && target.closest("input, textarea, select, button, [contenteditable]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var selector = { ArrowLeft: "a[data-key-prev]", ArrowRight: "a[data-key-next]" }[event.key];
    var link = selector && document.querySelector(selector);
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });

  // HTMX failures: tell the user in words, in the live region.
  document.addEventListener("htmx:responseError", function () {
    announce(document.body.dataset.msgRequestError, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    announce(document.body.dataset.msgOffline, "error");
  });

  window.Leerlingbespreking = { announce: announce, setMeetingMode: setMeetingMode };
})();
