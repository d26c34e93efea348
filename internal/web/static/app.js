// Guanxi: the little behaviour the pages need beyond htmx. No inline
// scripts or handlers anywhere (the CSP forbids them); everything hangs off
// data attributes.
(function () {
  "use strict";
  // Confirm destructive forms: <form data-confirm="...">.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  // Copy buttons: <button data-copy="#id">.
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("[data-copy]") : null;
    if (!b) return;
    var el = document.querySelector(b.dataset.copy);
    if (el && navigator.clipboard) {
      navigator.clipboard.writeText(el.textContent.trim());
      b.classList.add("done");
    }
  });
  // "Select all" for the bulk form: <input type="checkbox" data-check-all="bulk">.
  document.addEventListener("change", function (e) {
    var all = e.target;
    if (!all.dataset || !all.dataset.checkAll) return;
    document.querySelectorAll('input[type="checkbox"][form="' + all.dataset.checkAll + '"]').forEach(function (c) {
      c.checked = all.checked;
    });
  });
  // A failed htmx request with no body to swap still tells the user.
  document.addEventListener("htmx:sendError", function () {
    var main = document.getElementById("main");
    if (main && !document.getElementById("net-error")) {
      var d = document.createElement("div");
      d.id = "net-error";
      d.className = "alert error";
      d.setAttribute("role", "alert");
      d.textContent = document.documentElement.lang === "en" ? "Network error; please retry." : "网络错误，请重试。";
      main.prepend(d);
    }
  });
})();
