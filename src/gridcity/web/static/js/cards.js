// Phone layout of every table (tables become cards below 640 px, see app.css "table.cards"): each
// body cell gets the text of its column's header as data-label, which the phone stylesheet shows
// before the cell's content. A template may set data-label itself (it is kept) or opt a table out
// with class "no-cards" (e.g. the calendar's month grids). Rows htmx swaps in are labelled too.
(function () {
  "use strict";

  function headers(table) {
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) { return null; }
    var names = [];
    for (var i = 0; i < row.cells.length; i++) {
      var cell = row.cells[i];
      var text = (cell.getAttribute("aria-label") || cell.textContent || "").replace(/\s+/g, " ").trim();
      for (var span = cell.colSpan || 1; span > 0; span--) { names.push(text); }
    }
    return names;
  }

  function label(table) {
    if (table.classList.contains("no-cards")) { return; }
    var names = headers(table);
    if (!names) { return; }
    table.classList.add("cards");
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var column = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          if (!cell.hasAttribute("data-label") && names[column] && cell.colSpan === 1) {
            cell.setAttribute("data-label", names[column]);
          }
          if (!cell.textContent.trim() && !cell.children.length) {
            cell.classList.add("blank");
          }
          column += cell.colSpan || 1;
        }
      }
    }
  }

  function labelAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var tables = scope.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) { label(tables[i]); }
    if (scope.closest) {
      var within = scope.closest("main table");
      if (within) { label(within); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { labelAll(document); });
  } else {
    labelAll(document);
  }
  document.addEventListener("htmx:load", function (e) { labelAll(e.target); });
})();
