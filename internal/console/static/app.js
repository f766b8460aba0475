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
    // Fields of one choice of another field (SNMP v2c or v3).
    document.querySelectorAll("#item-form [data-when-field]").forEach(function (p) {
      var on = document.querySelector('#item-form [name="' + p.dataset.whenField + '"]');
      p.hidden = !!on && on.value !== p.dataset.whenValue;
    });
  }
  kind.addEventListener("change", show);
  document.querySelectorAll("#item-form select").forEach(function (s) {
    s.addEventListener("change", show);
  });
  show();
})();
// Charts of the host page: the values under the pointer, and a drag over a
// chart reloads the page on the time range selected (?from=&to=, unix ms).
(function () {
  var figs = document.querySelectorAll("figure.chart[data-points]");
  Array.prototype.forEach.call(figs, function (fig) {
    var svg = fig.querySelector("svg");
    if (!svg) {
      return;
    }
    var d = fig.dataset, from = +d.from, to = +d.to, W = +d.width, L = +d.left, R = +d.right;
    var series = JSON.parse(d.points);
    var lang = document.documentElement.lang || "en";
    var tip = document.createElement("div");
    tip.className = "chart-tip";
    tip.hidden = true;
    var band = document.createElement("div");
    band.className = "chart-band";
    band.hidden = true;
    fig.appendChild(tip);
    fig.appendChild(band);
    var start = null;
    function frac(ev) {
      var r = svg.getBoundingClientRect();
      var f = ((ev.clientX - r.left) * W / r.width - L) / (W - L - R);
      return Math.max(0, Math.min(1, f));
    }
    function xOf(f) {
      var r = svg.getBoundingClientRect(), fr = fig.getBoundingClientRect();
      return r.left - fr.left + (L + f * (W - L - R)) * r.width / W;
    }
    svg.addEventListener("mousemove", function (ev) {
      var f = frac(ev), t = from + f * (to - from);
      var parts = [new Date(t).toLocaleString(lang, { timeZone: d.zone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })];
      series.forEach(function (s) {
        var best = null;
        s.p.forEach(function (p) {
          if (best === null || Math.abs(p[0] - t) < Math.abs(best[0] - t)) {
            best = p;
          }
        });
        if (best) {
          parts.push(s.n + ": " + best[1].toFixed(1) + d.unit);
        }
      });
      tip.textContent = parts.join("  ");
      tip.hidden = false;
      tip.style.left = Math.round(xOf(f)) + "px";
      if (start !== null) {
        var a = Math.min(start, f), b = Math.max(start, f);
        band.hidden = false;
        band.style.left = Math.round(xOf(a)) + "px";
        band.style.width = Math.max(1, Math.round(xOf(b) - xOf(a))) + "px";
      }
    });
    svg.addEventListener("mouseleave", function () {
      tip.hidden = true;
      band.hidden = true;
      start = null;
    });
    svg.addEventListener("mousedown", function (ev) {
      start = frac(ev);
      ev.preventDefault();
    });
    svg.addEventListener("mouseup", function (ev) {
      if (start === null) {
        return;
      }
      var a = Math.min(start, frac(ev)), b = Math.max(start, frac(ev));
      start = null;
      band.hidden = true;
      if (b - a < 0.01) {
        return; // a click, not a drag
      }
      var q = new URLSearchParams();
      q.set("from", String(Math.round(from + a * (to - from))));
      q.set("to", String(Math.round(from + b * (to - from))));
      window.location.search = q.toString();
    });
  });
})();
