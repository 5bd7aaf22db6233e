/*
 * Improvement board (boards/improvement/board.html).
 *  - A card's save answers 409 (somebody else saved first) or 422 (bad input) with the card's fragment:
 *    htmx swaps only 2xx by default, so the board opts in for exactly these.
 *  - The poller (#board-poll, every 3 s) brings changed cards out of band. A card that is new to this
 *    page has no target yet: it is appended to its section. A card you are editing is not replaced
 *    under your hands: saving it then answers 409 with the other person's values.
 */
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) {
    return;
  }
  var status = document.getElementById("board-status");

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var code = event.detail.xhr.status;
    if (code === 409 || code === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The card an out-of-band swap brings: the fragment itself or the element inside it.
  function incomingCard(fragment) {
    if (!fragment) {
      return null;
    }
    if (fragment.matches && fragment.matches("[data-card]")) {
      return fragment;
    }
    return fragment.querySelector ? fragment.querySelector("[data-card]") : null;
  }

  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("[data-card]")) {
      return;
    }
    var incoming = incomingCard(event.detail.fragment);
    if (incoming && incoming.getAttribute("data-version") === target.getAttribute("data-version")) {
      event.detail.shouldSwap = false; // this page shows that version already (its own save)
      return;
    }
    // Never under the user's hands: not while editing, nor over a conflict or an error they must read.
    var state = target.getAttribute("data-state");
    var busy =
      target.contains(document.activeElement) ||
      target.querySelector("details[open]") ||
      state === "conflict" ||
      state === "invalid";
    if (busy) {
      target.setAttribute("data-stale", "true");
      event.detail.shouldSwap = false;
    } else if (status) {
      status.textContent = status.getAttribute("data-msg-changed") || "";
    }
  });

  document.body.addEventListener("htmx:oobErrorNoTarget", function (event) {
    var card = event.detail.content;
    if (!card || !card.matches || !card.matches("[data-card]")) {
      return;
    }
    var list = document.getElementById("cards-" + card.getAttribute("data-section"));
    if (list) {
      card.removeAttribute("hx-swap-oob");
      list.appendChild(card);
      if (window.htmx) {
        window.htmx.process(card);
      }
    }
  });

  // A card added through the form: empty the form for the next one.
  board.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("[data-add-form]") && event.detail.successful) {
      form.reset();
      var errors = form.querySelector("[id$='-errors']");
      if (errors) {
        errors.textContent = "";
      }
    }
  });
})();
