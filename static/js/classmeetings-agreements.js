/*
 * Checking last time's agreements (classmeetings/agreements.html): small enhancements, the page works without them.
 *
 *   [data-agreements-form]   a check refused with 422 carries the row to show (with the reason), so htmx swaps it too
 *   [data-announce]          a swapped row's note ("Agreement checked: met") goes to the live region (#messages);
 *                            data-announce-level="error" for a refusal. The checked row gets the focus back,
 *                            as its buttons are gone.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (detail.xhr.status === 422 && source instanceof Element && source.closest("[data-agreements-form]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-previous-agreements] [data-announce]").forEach(function (element) {
      if (window.Leerlingbespreking) {
        window.Leerlingbespreking.announce(
          element.getAttribute("data-announce"),
          element.getAttribute("data-announce-level") || "success"
        );
      }
      element.removeAttribute("data-announce");
      if (element.matches("[tabindex]")) {
        element.focus();
      }
    });
  });
})();
