// Keyboard shortcuts of the work queue and the case page (help: templates/work/_keys.html):
// j/k move the selection (queue rows, or the case's actions), o or Enter opens it, a opens the main
// action, x ticks the selected row, n goes to the next case, ? shows the help. Keys typed into a
// field are the field's. Also: "select all" on the queue, and the case page's print button.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-key-row]"));
  var help = document.getElementById("keys-help");
  var at = -1;

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function choose(i) {
    if (!rows.length) { return; }
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) {
      r.classList.toggle("key-current", n === at);
      if (n === at) { r.setAttribute("aria-current", "true"); } else { r.removeAttribute("aria-current"); }
    });
    rows[at].scrollIntoView({ block: "nearest" });
    var summary = rows[at].querySelector("summary");
    if (summary) { summary.focus(); }
  }
  function openAction(details) {
    details.open = true;
    var field = details.querySelector("form select, form input:not([type=hidden]):not([hidden]), form textarea");
    if (field) { field.focus(); }
  }
  function open(row, main) {
    if (!row) { return; }
    if (row.tagName === "DETAILS") { openAction(row); return; }
    var link = row.querySelector("[data-key-open]");
    if (link) { window.location.href = link.href + (main ? "#actions" : ""); }
  }
  function toggleHelp(show) {
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) { help.querySelector("[data-keys-close]").focus(); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (help && !help.hidden && e.key === "Escape") { toggleHelp(false); return; }
    if (typing(e.target)) { return; }
    var firstAction = document.querySelector("details.action");
    switch (e.key) {
      case "j": choose(at + 1); break;
      case "k": choose(at < 0 ? 0 : at - 1); break;
      case "o": open(rows[at]); break;
      case "Enter":
        // Enter on a link, button or summary keeps its own meaning
        if (at < 0 || /^(A|BUTTON|SUMMARY)$/.test(e.target.tagName)) { return; }
        open(rows[at]);
        break;
      case "a":
        if (firstAction) { openAction(firstAction); } else { open(rows[at < 0 ? 0 : at], true); }
        break;
      case "x": {
        var box = at >= 0 && rows[at].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; }
        break;
      }
      case "n": {
        var next = document.querySelector("[data-key-next]");
        if (next) { window.location.href = next.href; }
        break;
      }
      case "?": toggleHelp(); break;
      default: return;
    }
    e.preventDefault();
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-keys-open]"), function (b) {
    b.addEventListener("click", function () { toggleHelp(true); });
  });
  if (help) {
    help.querySelector("[data-keys-close]").addEventListener("click", function () { toggleHelp(false); });
    help.addEventListener("click", function (e) { if (e.target === help) { toggleHelp(false); } });
  }
  var all = document.querySelector("[data-select-all]");
  if (all) {
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(document.querySelectorAll("input[type=checkbox][name=case]"), function (c) {
        c.checked = all.checked;
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  document.documentElement.dataset.keys = "ready"; // the shortcuts listen from here on
  // a case opened with "a" from the queue: its main action open
  if (window.location.hash === "#actions") {
    var main = document.querySelector("details.action");
    if (main) { openAction(main); }
  }
})();
