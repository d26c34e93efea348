// Import pages: check the chosen file's size before a long upload, and keep
// a submit from being sent twice. No inline code (CSP); hooks by id.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (form) {
    var input = document.getElementById("file");
    var err = document.getElementById("file-error");
    var btn = document.getElementById("upload-submit");
    var max = parseInt(form.dataset.uploadMax || "0", 10);
    var check = function () {
      var f = input.files && input.files[0];
      var tooBig = !!(f && max && f.size > max);
      input.setAttribute("aria-invalid", tooBig ? "true" : "false");
      if (err) err.textContent = tooBig ? err.dataset.tooLarge : "";
      btn.disabled = tooBig;
      return !tooBig;
    };
    input.addEventListener("change", check);
    form.addEventListener("submit", function (e) {
      if (!check()) {
        e.preventDefault();
        return;
      }
      // Disable after the browser has taken the submission.
      setTimeout(function () {
        btn.disabled = true;
        if (btn.dataset.busy) btn.textContent = btn.dataset.busy;
      }, 0);
    });
  }
  // The mapping form: a second click on "start" while the first is on its
  // way would only meet a stale version.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!(f instanceof HTMLFormElement) || f.id !== "import-form" || e.defaultPrevented) return;
    var start = document.getElementById("start-import");
    if (e.submitter === start) {
      setTimeout(function () { start.disabled = true; }, 0);
    }
  });
})();
