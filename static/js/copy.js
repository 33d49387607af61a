// Copy buttons: <button data-copy-target="id"> copies the text of #id.
// Loaded as a file, so it runs under the Content-Security-Policy.
(function () {
  "use strict";
  function status(button, text) {
    var out = button.parentNode.querySelector(".copy-status");
    if (out) { out.textContent = text; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) { return; }
    var text = source.value !== undefined ? source.value : source.textContent;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        status(button, button.getAttribute("data-copied") || "Copied");
      }, function () {
        status(button, button.getAttribute("data-failed") || "Select and copy the text");
      });
    } else {
      status(button, button.getAttribute("data-failed") || "Select and copy the text");
    }
  });
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.hidden = false;
  });
})();
