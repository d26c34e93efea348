// Guanxi charts: draws the ECharts options a page puts, as JSON, in the
// data-options attribute of <div id="chart-data" hidden> (data, not
// script, so the CSP's script-src 'self' holds) into every
// <div data-chart="id">. Loaded only on pages with charts; each chart's
// table below it holds the same numbers.
(function () {
  "use strict";
  function draw() {
    var island = document.getElementById("chart-data");
    if (!island || !window.echarts) return;
    var options;
    try {
      options = JSON.parse(island.dataset.options);
    } catch (e) {
      return;
    }
    var locale = document.documentElement.lang === "en" ? "EN" : "ZH";
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var opt = options[el.dataset.chart];
      if (!opt) return;
      var chart = window.echarts.init(el, null, { locale: locale });
      chart.setOption(opt);
      charts.push(chart);
    });
    var pending = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (c) { c.resize(); });
      }, 150);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
