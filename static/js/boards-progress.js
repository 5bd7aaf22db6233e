/* The student progress board (boards/progress).
 *
 * - [data-progress-blank] toggles the privacy blank (names and photos hidden) without a page load;
 *   without JavaScript it is a plain link to ?blank=1.
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
    var box = document.getElementById("progress-status");
    if (box) {
      status(on ? box.dataset.msgBlank : box.dataset.msgShown);
    }
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
