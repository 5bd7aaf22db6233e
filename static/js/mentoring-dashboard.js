/*
 * The mentor dashboard and the department overview: small enhancements only.
 * Without JavaScript every cell is still reachable with Tab, its tip shows on
 * focus, and the verdict buttons post plain forms.
 *
 *   [data-mx-matrix]   arrow keys move between the cells' lights; Escape hides a tip; a shown
 *                      tip is placed in the viewport, so the table's scrolling frame cannot cut it off
 *   [data-mx-verdict]  verdict forms sent by htmx: a refused or invalid answer (403, 422)
 *                      still replaces the row (it says why), and the focus returns to the
 *                      same button in the new row
 */
(function () {
  "use strict";

  function cellsOf(row) {
    return Array.prototype.map.call(row.cells, function (td) {
      return td.querySelector(".mx-cell");
    });
  }

  function move(cell, key) {
    var td = cell.closest("td");
    var row = td && td.parentElement;
    if (!row) {
      return null;
    }
    var index = td.cellIndex;
    var step = key === "ArrowLeft" || key === "ArrowUp" ? -1 : 1;
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var cells = cellsOf(row);
      for (var i = index + step; i >= 0 && i < cells.length; i += step) {
        if (cells[i]) {
          return cells[i];
        }
      }
      return null;
    }
    var next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    while (next) {
      var target = next.cells[index] && next.cells[index].querySelector(".mx-cell");
      if (target) {
        return target;
      }
      next = step > 0 ? next.nextElementSibling : next.previousElementSibling;
    }
    return null;
  }

  document.addEventListener("keydown", function (event) {
    var cell = event.target instanceof Element ? event.target.closest("[data-mx-matrix] .mx-cell") : null;
    if (!cell || event.target !== cell || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (event.key === "Escape") {
      cell.classList.add("mx-cell--dismissed");
      return;
    }
    if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].indexOf(event.key) === -1) {
      return;
    }
    var target = move(cell, event.key);
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });

  /* Place a shown tip in the viewport, below its cell, or above it when there is no room. */
  var GAP = 4;
  var MARGIN = 8;

  function place(cell) {
    var tip = cell.querySelector(".mx-tip");
    if (!tip) {
      return;
    }
    tip.classList.add("mx-tip--fixed");
    var rect = cell.getBoundingClientRect();
    var width = tip.offsetWidth;
    var height = tip.offsetHeight;
    var left = rect.left + rect.width / 2 - width / 2;
    left = Math.max(MARGIN, Math.min(left, window.innerWidth - width - MARGIN));
    var top = rect.bottom + GAP;
    if (top + height > window.innerHeight - MARGIN && rect.top - GAP - height >= MARGIN) {
      top = rect.top - GAP - height;
    }
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }

  var shown = null;

  function show(event) {
    var cell = event.target instanceof Element ? event.target.closest("[data-mx-matrix] .mx-cell") : null;
    if (cell) {
      shown = cell;
      window.requestAnimationFrame(function () {
        place(cell);
      });
    }
  }
  document.addEventListener("focusin", show);
  document.addEventListener("mouseover", show);
  window.addEventListener(
    "scroll",
    function () {
      if (shown && (shown.matches(":hover") || shown.matches(":focus-within"))) {
        place(shown);
      }
    },
    true
  );

  function undismiss(event) {
    var cell = event.target instanceof Element ? event.target.closest(".mx-cell") : null;
    if (cell) {
      cell.classList.remove("mx-cell--dismissed");
    }
  }
  document.addEventListener("focusout", undismiss);
  document.addEventListener("mouseout", undismiss);

  /* Verdicts through htmx. */
  var lastVerdict = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target instanceof Element ? event.target.closest("[data-mx-verdict]") : null;
    if (!form) {
      return;
    }
    var row = form.closest("tr");
    var config = event.detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    var button = (trigger && trigger.submitter) || document.activeElement;
    lastVerdict = {
      row: row ? row.id : "",
      name: button && button.name ? button.name : "",
      value: button && button.name ? button.value : "",
    };
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!(source instanceof Element) || !source.closest("[data-mx-verdict]")) {
      return;
    }
    var status = event.detail.xhr.status;
    if (status === 403 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!lastVerdict || !lastVerdict.row) {
      return;
    }
    var row = document.getElementById(lastVerdict.row);
    var wanted = lastVerdict;
    lastVerdict = null;
    if (!row) {
      return;
    }
    var target = null;
    row.querySelectorAll("button[name]").forEach(function (button) {
      if (!target && button.name === wanted.name && button.value === wanted.value) {
        target = button;
      }
    });
    // "Undo" disappears once used: then the first verdict button takes the focus.
    target = target || row.querySelector("[data-mx-verdict] button") || row.querySelector(".mx-name a");
    if (target) {
      target.focus();
    }
  });
})();
