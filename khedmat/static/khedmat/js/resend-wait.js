/* The SMS code page: the "Send a new code" button waits data-wait-seconds before it can be used.
   Without this script the button stays usable; the server answers an early press with the wait. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var button = document.getElementById("resend-button");
  var wait = button ? parseInt(button.dataset.waitSeconds, 10) || 0 : 0;
  if (!wait) { return; }
  button.disabled = true;
  window.setTimeout(function () {
    button.disabled = false;
    var hint = document.getElementById("resend-wait");
    if (hint) { hint.hidden = true; }
    button.removeAttribute("aria-describedby");
  }, wait * 1000);
});
