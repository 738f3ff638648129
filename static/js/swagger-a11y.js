// Swagger UI draws a parameter's list of values as a <select> with no label; name it after
// its parameter (the row's data-param-name) so a screen reader says what it chooses.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.MutationObserver) return;
  function label() {
    root.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
    });
  }
  new MutationObserver(label).observe(root, { childList: true, subtree: true });
})();
