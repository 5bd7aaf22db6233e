/* The student progress board (boards/progress).
 *
 * - [data-progress-blank] toggles the privacy blank (names and photos hidden) without a page load;
 *   without JavaScript it is a plain link to ?blank=1. Links marked [data-progress-keep-blank] (the
 *   discussion's previous/next, the way back to the board) then carry the choice along, so the names stay
 *   hidden on the next page too.
 * - htmx does not swap 4xx answers by default: a card's 403, 409 and 422 answers carry the card with its
 *   message, so they are swapped in like a 200.
 * - The poll's changed cards (hx-swap-oob) do not replace a card somebody is editing here: its save then
 *   meets the other version (409) and shows it, so nothing is lost silently.
 */
(function () {
  "use strict";

  var SWAPPED_ERRORS = [403, 409, 422];

  function status(text) {
    var box = document.getElementById("progress-status");
    if (box && text) {
      box.textContent = text;
    }
  }

  function withBlank(href, on) {
    var url = new URL(href, window.location.href);
    if (on) {
      url.searchParams.set("blank", "1");
    } else {
      url.searchParams.delete("blank");
    }
    return url.pathname + url.search + url.hash;
  }

  function keepBlank(on, button) {
    document.querySelectorAll("a[data-progress-keep-blank]").forEach(function (link) {
      link.setAttribute("href", withBlank(link.getAttribute("href"), on));
    });
    // The toggle itself stays a working link for a reload: it now leads to the other state.
    var toggle = new URL(button.getAttribute("href"), window.location.href);
    toggle.searchParams.set("blank", on ? "0" : "1");
    button.setAttribute("href", toggle.pathname + toggle.search);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-progress-blank]");
    if (!button) {
      return;
    }
    var board = document.querySelector("[data-progress-board]");
    if (!board) {
      return;
    }
    event.preventDefault();
    var on = !board.classList.contains("progress-board--blank");
    board.classList.toggle("progress-board--blank", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    keepBlank(on, button);
    var box = document.getElementById("progress-status");
    if (box) {
      status(on ? box.dataset.msgBlank : box.dataset.msgShown);
    }
  });

  // The card an out-of-band swap brings: the fragment itself or the element inside it.
  function incomingCard(fragment, selector) {
    if (!fragment) {
      return null;
    }
    if (fragment.matches && fragment.matches(selector)) {
      return fragment;
    }
    return fragment.querySelector ? fragment.querySelector(selector) : null;
  }

  // The blank toggle is a link with role="button": Space presses it too, as it would a button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== " " || !event.target.closest || !event.target.closest("[data-progress-blank]")) {
      return;
    }
    event.preventDefault();
    event.target.closest("[data-progress-blank]").click();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.closest && target.closest("[data-progress-card]")) {
      if (SWAPPED_ERRORS.indexOf(event.detail.xhr.status) !== -1) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    }
  });

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("[data-progress-card]")) {
      return;
    }
    var incoming = incomingCard(event.detail.fragment, "[data-progress-card]");
    if (incoming && incoming.getAttribute("data-version") === target.getAttribute("data-version")) {
      event.detail.shouldSwap = false; // this page shows that version already (its own save)
      return;
    }
    var editing = target.contains(document.activeElement) || target.querySelector("details[open]");
    if (editing) {
      event.detail.shouldSwap = false;
      return;
    }
    var box = document.getElementById("progress-status");
    if (box) {
      status(box.dataset.msgChanged);
    }
  });
})();
