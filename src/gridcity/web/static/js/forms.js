// What the templates ask of a form by attribute, so that no page needs an inline on*= handler (the
// Content-Security-Policy runs no inline script, web/security_headers.py):
//   <form data-confirm="question">  submits only when the person confirms the question
//   <select data-autosubmit>        submits its form when its choice changes
//   <form data-no-submit>           never submits (its fields drive a script: the console map's list)
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute("data-no-submit")) {
      event.preventDefault();
    } else if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
