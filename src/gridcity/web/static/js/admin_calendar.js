// The calendar page: a click on a day of the month grids puts it into the "set a day" form.
(function () {
  "use strict";
  var year = document.getElementById("cal-year");
  var form = document.getElementById("set-day");
  if (!year || !form) { return; }
  year.addEventListener("click", function (e) {
    var cell = e.target.closest("td[data-day]");
    if (!cell) { return; }
    form.elements.day.value = cell.dataset.day;
    var workday = cell.classList.contains("work");
    // offer the opposite of what the day is now: that is the change an admin comes to make
    form.querySelector("input[name='kind'][value='" + (workday ? "rest" : "work") + "']").checked = true;
    form.elements.note.focus();
  });
})();
