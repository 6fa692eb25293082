/* Behaviour shared by every page, loaded from base.html. No inline scripts or handlers anywhere:
   the Content-Security-Policy allows scripts from our static files only. */
(function () {
  "use strict";
  // <select data-submit-on-change>: choosing an option sends its form (the language switcher).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
      target.form.submit();
    }
  });
  // [data-focus-on-load]: move the keyboard focus there (the error summary of a sent form).
  document.addEventListener("DOMContentLoaded", function () {
    var element = document.querySelector("[data-focus-on-load]");
    if (element) { element.focus(); }
  });
})();
