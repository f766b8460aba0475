// unyo console: dashboards. The values under the pointer (and under the
// arrow keys) of the charts, and pickers that apply themselves. The page
// is whole without it.
"use strict";
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  document.querySelectorAll("[data-pointer]").forEach(function (el) {
    var d;
    try { d = JSON.parse(el.dataset.pointer); } catch (e) { return; }
    var tip = el.querySelector(".dash-tip"), svg = el.querySelector("svg");
    if (!tip || !svg) { return; }
    var frac = 0;
    function fmt(v) {
      var a = Math.abs(v), p = a >= 100 || a === Math.trunc(a) ? 0 : a >= 10 ? 1 : 2;
      return v.toFixed(p) + d.u;
    }
    function nearest(pts, t) {
      var lo = 0, hi = pts.length - 1;
      if (hi < 0) { return null; }
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (pts[mid][0] < t) { lo = mid + 1; } else { hi = mid; }
      }
      if (lo > 0 && t - pts[lo - 1][0] < pts[lo][0] - t) { lo--; }
      return pts[lo];
    }
    function show() {
      var lines = [];
      if (d.k === "line") {
        var t = d.from + frac * (d.to - d.from), at = null;
        d.s.forEach(function (s) {
          var p = nearest(s.p, t);
          if (p) { at = at || p[0]; lines.push(s.n + ": " + fmt(p[1])); }
        });
        if (at !== null) {
          var opts = { dateStyle: "short", timeStyle: "short" };
          try { opts.timeZone = d.tz; new Intl.DateTimeFormat(undefined, opts); } catch (e) { delete opts.timeZone; }
          lines.unshift(new Date(at).toLocaleString(document.documentElement.lang, opts));
        }
      } else if (d.c.length) {
        var i = Math.min(d.c.length - 1, Math.floor(frac * d.c.length));
        lines.push(d.c[i] + ": " + fmt(d.v[i]));
      }
      if (!lines.length) { return; }
      tip.textContent = lines.join("\n");
      tip.classList.add("on");
      var box = el.getBoundingClientRect(), scale = box.width / d.w;
      var x = (d.pl + frac * (d.w - d.pl - d.pr)) * scale;
      tip.style.left = Math.max(0, Math.min(x + 8, box.width - tip.offsetWidth)) + "px";
    }
    el.addEventListener("pointermove", function (e) {
      var box = el.getBoundingClientRect(), scale = box.width / d.w;
      frac = ((e.clientX - box.left) / scale - d.pl) / (d.w - d.pl - d.pr);
      frac = Math.max(0, Math.min(1, frac));
      show();
    });
    el.addEventListener("pointerleave", function () { tip.classList.remove("on"); });
    el.addEventListener("blur", function () { tip.classList.remove("on"); });
    el.addEventListener("focus", show);
    el.addEventListener("keydown", function (e) {
      var n = d.k === "line" ? 100 : Math.max(1, d.c.length);
      var step = 1 / n;
      if (e.key === "ArrowLeft") { frac = Math.max(0, frac - step); }
      else if (e.key === "ArrowRight") { frac = Math.min(1, frac + step); }
      else if (e.key === "Home") { frac = 0; }
      else if (e.key === "End") { frac = 1; }
      else { return; }
      e.preventDefault();
      show();
    });
  });
})();
