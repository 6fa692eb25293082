/* The receipt page: print it, copy the tracking code. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll(".print-receipt").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll(".copy-code").forEach(function (button) {
    button.addEventListener("click", function () {
      var done = function () { button.textContent = button.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(button.dataset.copy).then(done);
        return;
      }
      // Without the clipboard API (plain http): select the code so Ctrl+C / long-press copies it.
      var range = document.createRange();
      range.selectNodeContents(document.getElementById("tracking-code"));
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    });
  });
});
