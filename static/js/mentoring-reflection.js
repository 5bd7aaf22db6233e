/*
 * The student's reflection (mentoring/reflection/student.html): the draft saves itself.
 *
 * The page works without this file: three goal blocks, a "save draft" button (a normal
 * form post) and a "submit" button. htmx does the autosave (hx-post on the form, after a
 * pause in typing, one request at a time: hx-sync queue last). The server answers with a
 * status fragment: 200 saved (with the new version, out of band), 422 not saved (messages
 * at the fields), 409 changed in another tab (the newer text above the questions). This
 * file adds:
 *
 *  - htmx swaps 409 and 422 for this form (it leaves 4xx alone by default);
 *  - a "changes not yet saved / saving…" hint (not in the live region, which speaks
 *    only the results), and a retry with backoff after a network error or a 5xx;
 *  - fields with errors get aria-invalid and the invalid style as the answer marks them;
 *  - goals: only the filled ones show, with "add a goal" and "remove this goal";
 *  - leaving the page while a save is pending or failed asks first (beforeunload);
 *  - "submit to my mentor" asks for confirmation.
 *
 * Words come from data-msg-* attributes the template renders in the page's language.
 */
(function () {
  "use strict";

  var RETRY_DELAYS_MS = [2000, 5000, 10000, 30000];
  var SWAPPED_ERRORS = [409, 422];

  function init(form) {
    var progress = document.querySelector("[data-save-progress]");
    var state = { typed: 0, sent: 0, dirty: false, inflight: false, failed: false, leaving: false, retries: 0, timer: null };

    function msg(name) {
      return form.getAttribute("data-msg-" + name) || "";
    }

    function showProgress(text) {
      if (progress) {
        progress.textContent = text;
      }
    }

    function markInvalidFields() {
      form.querySelectorAll("[data-errors-for]").forEach(function (box) {
        var input = document.getElementById(box.getAttribute("data-errors-for"));
        if (!input) {
          return;
        }
        var invalid = box.textContent.trim() !== "";
        if (invalid) {
          input.setAttribute("aria-invalid", "true");
        } else {
          input.removeAttribute("aria-invalid");
        }
        var field = input.closest(".field");
        if (field) {
          field.classList.toggle("field--invalid", invalid);
        }
        var block = input.closest("[data-goal-block]");
        if (invalid && block && block.hidden) {
          block.hidden = false;
          goals.update();
        }
      });
    }

    function retryLater() {
      var delay = RETRY_DELAYS_MS[Math.min(state.retries, RETRY_DELAYS_MS.length - 1)];
      state.retries += 1;
      window.clearTimeout(state.timer);
      state.timer = window.setTimeout(function () {
        window.htmx.trigger(form, "input");
      }, delay);
    }

    // --- goals: show the filled ones; add and remove -------------------------------------------

    var goals = (function () {
      var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-goal-block]"));
      var add = form.querySelector("[data-goal-add]");

      function fields(block) {
        return Array.prototype.slice.call(block.querySelectorAll("input, textarea"));
      }

      function visible() {
        return blocks.filter(function (block) {
          return !block.hidden;
        });
      }

      function update() {
        if (add) {
          add.hidden = visible().length >= blocks.length;
        }
      }

      function changed() {
        form.dispatchEvent(new Event("input", { bubbles: true }));
      }

      /* Remove one goal: the later goals move up one place, so the numbers stay 1, 2, 3. */
      function remove(block) {
        var shown = visible();
        var from = shown.indexOf(block);
        for (var i = from; i < shown.length; i += 1) {
          var next = shown[i + 1];
          fields(shown[i]).forEach(function (input, index) {
            input.value = next ? fields(next)[index].value : "";
          });
        }
        if (shown.length > 1) {
          shown[shown.length - 1].hidden = true;
        }
        update();
        changed();
        if (window.Leerlingbespreking) {
          window.Leerlingbespreking.announce(msg("goal-removed"), "info");
        }
        if (add && !add.hidden) {
          add.focus();
        } else {
          fields(shown[0])[0].focus();
        }
      }

      if (!blocks.length || !add) {
        return { update: function () {} };
      }
      blocks.forEach(function (block, index) {
        if (index > 0 && !block.hasAttribute("data-filled")) {
          block.hidden = true;
        }
        var button = block.querySelector("[data-goal-remove]");
        if (button) {
          button.hidden = false;
          button.addEventListener("click", function () {
            remove(block);
          });
        }
      });
      add.addEventListener("click", function () {
        var next = blocks.filter(function (block) {
          return block.hidden;
        })[0];
        if (next) {
          next.hidden = false;
          fields(next)[0].focus();
        }
        update();
      });
      update();
      return { update: update };
    })();

    // --- saving ----------------------------------------------------------------------------------

    form.addEventListener("input", function () {
      state.typed += 1;
      state.dirty = true;
      if (!state.inflight) {
        showProgress(msg("pending"));
      }
    });

    form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== form) {
        return;
      }
      window.clearTimeout(state.timer);
      state.inflight = true;
      state.sent = state.typed;
      showProgress(msg("saving"));
    });

    // Fired on the target (the status line), from a request the form made.
    form.addEventListener("htmx:beforeSwap", function (event) {
      var config = event.detail.requestConfig;
      if (config && config.elt === form && SWAPPED_ERRORS.indexOf(event.detail.xhr.status) >= 0) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });

    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) {
        return;
      }
      state.inflight = false;
      var code = event.detail.xhr ? event.detail.xhr.status : 0;
      if (code === 200) {
        state.failed = false;
        state.retries = 0;
        if (state.typed === state.sent) {
          state.dirty = false;
          showProgress("");
        } else {
          showProgress(msg("pending"));
        }
      } else {
        state.failed = true;
        showProgress("");
        if (code === 0 || code >= 500) {
          showProgress(msg("failed"));
          retryLater();
        }
      }
      markInvalidFields();
    });

    // --- submitting and leaving ---------------------------------------------------------------------

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-submit-reflection") && !window.confirm(msg("confirm-submit"))) {
        event.preventDefault();
        return;
      }
      // A normal post saves everything the form holds: nothing to warn about.
      state.leaving = true;
    });

    window.addEventListener("beforeunload", function (event) {
      if (state.leaving || !(state.dirty || state.inflight || state.failed)) {
        return;
      }
      event.preventDefault();
      event.returnValue = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-reflection-form]");
    if (form) {
      init(form);
    }
  });
})();
