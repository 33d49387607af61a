// Give each rich-text editor the name of its field, for screen readers: the
// editor bundle creates a contenteditable box that its <label> does not reach.
(function () {
  "use strict";
  function labelEditors(root) {
    root.querySelectorAll(".prose-editor").forEach(function (wrapper) {
      var box = wrapper.querySelector(".ProseMirror[contenteditable]");
      var textarea = wrapper.querySelector("textarea");
      if (!box || !textarea || box.hasAttribute("aria-label")) return;
      var label = document.querySelector('label[for="' + textarea.id + '"]');
      box.setAttribute("aria-label", label ? label.textContent.replace(/:\s*$/, "") : textarea.name);
      box.setAttribute("aria-multiline", "true");
    });
  }
  new MutationObserver(function () { labelEditors(document); })
    .observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", function () { labelEditors(document); });
})();
