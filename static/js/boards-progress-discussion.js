/* The progress board's monthly discussion (boards/progress/discussion.html).
 *
 * - ← and → follow the previous and next links ([data-discussion-prev], [data-discussion-next]), which work
 *   without JavaScript too; not while typing in a field, nor with a modifier key (browser shortcuts).
 * Full screen is the page's own layout (no site header) plus the browser's F11, which, unlike the Fullscreen
 * API, lasts from one student's page to the next.
 * The privacy blank is boards-progress.js's, as on the board.
 */
(function () {
  "use strict";

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var selector = { ArrowLeft: "[data-discussion-prev]", ArrowRight: "[data-discussion-next]" }[event.key];
    var link = selector && document.querySelector(selector);
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
})();
