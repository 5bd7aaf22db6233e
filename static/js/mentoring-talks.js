/*
 * The mentor talk (mentoring/talks/*): small enhancements, every page works without them.
 *
 *   [data-talks-form], [data-talks-booking]   their refused answers (409 a time taken meanwhile, 422 a reason)
 *                                              carry the fragment to show, so htmx swaps them in too
 *   [data-announce]                            a swapped fragment's note ("Booked: …", "Agreement checked: met")
 *                                              goes to the live region (#messages); data-announce-level="error"
 *                                              for a refusal. An agreement checked in place gets the focus back,
 *                                              as its buttons are gone.
 */
(function () {
  "use strict";

  var SWAPPED = [409, 422];

  function announce(text, level) {
    if (text && window.Leerlingbespreking) {
      window.Leerlingbespreking.announce(text, level || "success");
    }
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (
      SWAPPED.indexOf(detail.xhr.status) !== -1 &&
      source instanceof Element &&
      source.closest("[data-talks-form], [data-talks-booking]")
    ) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-announce]").forEach(function (element) {
      announce(element.getAttribute("data-announce"), element.getAttribute("data-announce-level"));
      element.removeAttribute("data-announce");
      if (element.matches(".agreement[tabindex]")) {
        element.focus();
      }
    });
  });
})();
