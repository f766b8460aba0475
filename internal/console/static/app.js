// unyo console: the little JavaScript the pages use. Everything works without it.
"use strict";
document.addEventListener("submit", function (e) {
  var b = e.submitter;
  if (b && b.dataset.confirm && !window.confirm(b.dataset.confirm)) {
    e.preventDefault();
  }
});
// The live alert list reloads itself, but never while someone is typing
// into one of its forms or has a dialog open.
(function () {
  var el = document.querySelector("[data-refresh]");
  if (!el) {
    return;
  }
  var secs = parseInt(el.dataset.refresh, 10);
  if (!(secs >= 5)) {
    return;
  }
  window.setInterval(function () {
    var a = document.activeElement;
    if (a && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName)) {
      return;
    }
    window.location.reload();
  }, secs * 1000);
})();
// The monitoring item form shows the fields of the chosen kind only; without
// JavaScript every kind's fields show, each under its legend.
(function () {
  var kind = document.getElementById("item-kind");
  if (!kind) {
    return;
  }
  function show() {
    document.querySelectorAll('#item-form fieldset[id^="kind-"]').forEach(function (f) {
      f.hidden = f.id !== "kind-" + kind.value;
    });
  }
  kind.addEventListener("change", show);
  show();
})();
