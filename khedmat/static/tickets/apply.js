/* The application page: move the focus to the list of errors when the form came back with some,
   so keyboard and screen-reader users start from what to fix (each item links to its field). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("apply-errors");
    if (summary) summary.focus();
  });
})();
