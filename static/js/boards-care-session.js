/*
 * Care-board session (boards/improvement/care_session.html): a department's class boards one after another.
 *  - ← and → follow the previous / next board links: app.js does that for data-key-prev / data-key-next.
 *  - A question, feedback or answer that is refused (422: empty or too long) comes back as the comments
 *    section with its message: htmx swaps only 2xx by default, so the session opts in for 422.
 */
(function () {
  "use strict";
  if (!document.querySelector("[data-care-session]")) {
    return;
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
