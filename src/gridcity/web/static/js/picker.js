// The action forms' pickers (templates/work/_pickers.html): a filter box narrows a grouped select to
// the options whose name or code holds what was typed (2 characters or more). A single select takes
// the first match; in a multiple select Enter in the box chooses (or drops) the first match, and the
// chosen ones are listed under it. Without JS the select stays a plain grouped select.
(function () {
  "use strict";
  function visible(select) {
    return Array.prototype.filter.call(select.options, function (o) { return !o.hidden && o.value; });
  }
  function listChosen(box) {
    var select = box.querySelector("select"), out = box.querySelector(".picker-chosen output");
    if (!out) { return; }
    var names = Array.prototype.filter.call(select.options, function (o) { return o.selected; })
      .map(function (o) { return o.textContent.trim(); });
    out.textContent = names.length ? names.join("、") : out.dataset.none;
    out.parentNode.hidden = false;
  }
  function setUp(box) {
    var input = box.querySelector(".picker-filter"), select = box.querySelector("select");
    if (!input || !select) { return; }
    input.hidden = false;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (o) {
        var words = (o.textContent + " " + (o.dataset.search || "")).toLowerCase();
        o.hidden = q.length >= 2 && o.value !== "" && words.indexOf(q) < 0;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        g.hidden = !Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
      });
      var matches = visible(select);
      select.dataset.matches = String(q.length >= 2 ? matches.length : -1);
      if (!select.multiple && q.length >= 2 && matches.length) {
        var chosen = select.options[select.selectedIndex];
        if (!chosen || chosen.hidden || !chosen.value) { matches[0].selected = true; }
      }
    });
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      e.preventDefault(); // never submit the form from the filter box
      var first = visible(select)[0];
      if (!first) { return; }
      first.selected = select.multiple ? !first.selected : true;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      if (select.multiple) { input.select(); }
    });
    select.addEventListener("change", function () { listChosen(box); });
    listChosen(box);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), setUp);
})();
