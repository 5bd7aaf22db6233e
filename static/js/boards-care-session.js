/*
 * Care-board session (boards/improvement/care_session.html): a department's class boards one after another.
 *  - ← and → follow the previous / next board links (outside text fields), like the buttons do.
 *  - A question, feedback or answer that is refused (422: empty or too long) comes back as the comments
 *    section with its message: htmx swaps only 2xx by default, so the session opts in for 422.
 */
(function () {
  "use strict";
  if (!document.querySelector("[data-care-session]")) {
    return;
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var link = null;
    if (event.key === "ArrowLeft") {
      link = document.querySelector("[data-key-prev]");
    } else if (event.key === "ArrowRight") {
      link = document.querySelector("[data-key-next]");
    }
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
