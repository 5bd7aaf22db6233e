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
 *   data-agreements       a fieldset of agreement rows: "Add an agreement" adds one from its <template>
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

  // Agreement rows of a decision (components/agreement_rows.html): "Add an agreement" adds a row from the
  // formset's <template> and counts it in TOTAL_FORMS; also in fragments HTMX brings in.
  function setUpAgreements(fieldset) {
    if (fieldset.dataset.agreementsReady) {
      return;
    }
    fieldset.dataset.agreementsReady = "1";
    var add = fieldset.querySelector("[data-agreement-add]");
    var template = fieldset.querySelector("template[data-agreement-template]");
    var rows = fieldset.querySelector("[data-agreement-rows]");
    var total = fieldset.querySelector('input[name$="-TOTAL_FORMS"]');
    var max = fieldset.querySelector('input[name$="-MAX_NUM_FORMS"]');
    if (!add || !template || !rows || !total) {
      return;
    }
    function full() {
      return max && parseInt(total.value, 10) >= parseInt(max.value, 10);
    }
    add.hidden = full();
    add.addEventListener("click", function () {
      if (full()) {
        return;
      }
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      var holder = document.createElement("ol");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      var number = row.querySelector(".agreement-row__number");
      if (number) {
        number.textContent = index + 1 + ".";
      }
      rows.appendChild(row);
      total.value = String(index + 1);
      add.hidden = full();
      var first = row.querySelector("input, select, textarea");
      if (first) {
        first.focus();
      }
    });
  }
  function setUpAgreementsIn(element) {
    if (element instanceof Element) {
      element.querySelectorAll("[data-agreements]").forEach(setUpAgreements);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    setUpAgreementsIn(document.body);
  });
  document.addEventListener("htmx:load", function (event) {
    setUpAgreementsIn(event.detail.elt);
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
