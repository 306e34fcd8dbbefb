/* Charts for the dashboard and the project page. Data comes from a json_script element or a
   same-origin JSON URL (CSP: script-src 'self', no inline scripts). Every bar links to its list. */
(function () {
  "use strict";
  var palette = ["#b91c1c", "#1d4ed8", "#d97706", "#047857", "#7c3aed", "#0e7490"];
  var charts = [];

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function num(v) { return v === null || v === undefined ? null : Number(v); }
  function make(el, option, rows) {
    if (!window.echarts || !el) { return null; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    option.color = option.color || palette;
    option.textStyle = { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" };
    chart.setOption(option);
    if (rows) {
      chart.on("click", function (params) {
        var row = rows[params.dataIndex];
        if (row && row.url) { window.location.href = row.url; }
      });
    }
    charts.push(chart);
    el.setAttribute("data-rendered", "true");
    // Print (A4 landscape): the SVG scales to the printed column through a viewBox of its screen size,
    // so that the chart prints whole even where the print dialog or page.pdf fires no event.
    chart.on("finished", function () { fitForPrint(el); });
    fitForPrint(el);
    return chart;
  }
  function fitForPrint(el) {
    var svg = el.querySelector("svg");
    if (!svg) { return; }
    var w = svg.getAttribute("width"), h = svg.getAttribute("height");
    if (w && h) {
      svg.setAttribute("viewBox", "0 0 " + parseFloat(w) + " " + parseFloat(h));
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      el.setAttribute("data-print-ready", "true");
    }
  }
  function byChart(name) { return document.querySelector('[data-chart="' + name + '"]'); }
  function grid() { return { left: 8, right: 48, top: 36, bottom: 8, containLabel: true }; }

  function dashboard(data) {
    var L = data.labels;
    var region = data.region;
    make(byChart("region"), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: grid(),
      legend: { top: 0 },
      xAxis: { type: "value", max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: region.map(function (r) { return r.name; }) },
      series: [{ name: L.rate, type: "bar", data: region.map(function (r) { return (num(r.rate) * 100).toFixed(1); }),
                 label: { show: true, position: "right", formatter: "{c}%" } }]
    }, region);

    // The twelve sectors with the largest plans; the table and the list hold the rest.
    var sector = data.sector.slice().sort(function (a, b) { return num(b.plan) - num(a.plan); }).slice(0, 12);
    make(byChart("sector"), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: grid(),
      legend: { top: 0 },
      xAxis: { type: "category", data: sector.map(function (r) { return r.name; }), axisLabel: { rotate: 40, interval: 0 } },
      yAxis: { type: "value", name: L.unit },
      series: [
        { name: L.plan, type: "bar", data: sector.map(function (r) { return num(r.plan); }) },
        { name: L.done, type: "bar", data: sector.map(function (r) { return num(r.done); }) }
      ]
    }, sector);

    var t = data.trend;
    make(byChart("trend"), {
      tooltip: { trigger: "axis" },
      grid: grid(),
      legend: { top: 0 },
      xAxis: { type: "category", data: L.months },
      yAxis: { type: "value", name: L.unit },
      series: [
        { name: L.this_year, type: "line", smooth: true, areaStyle: { opacity: 0.12 }, data: t.this_year.map(num) },
        { name: L.last_year, type: "line", smooth: true, lineStyle: { type: "dashed" }, data: t.last_year.map(num) }
      ]
    });

    var pools = data.pools;
    make(byChart("pools"), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: grid(),
      xAxis: { type: "category", data: pools.map(function (p) { return p.label; }) },
      yAxis: { type: "value", name: L.count },
      series: [{ name: L.count, type: "bar", barWidth: "45%", data: pools.map(function (p) { return p.count; }),
                 label: { show: true, position: "top" } }]
    }, pools);

    var problems = data.problems;
    make(byChart("problems"), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: grid(),
      xAxis: { type: "category", data: problems.map(function (p) { return p.label; }) },
      yAxis: { type: "value", minInterval: 1 },
      color: ["#d97706"],
      series: [{ name: L.problems, type: "bar", barWidth: "45%", data: problems.map(function (p) { return p.count; }),
                 label: { show: true, position: "top" } }]
    }, problems);
  }

  function project(el) {
    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var L = JSON.parse(el.getAttribute("data-labels"));
        make(el, {
          tooltip: { trigger: "axis" },
          grid: grid(),
          legend: { top: 0 },
          xAxis: { type: "category", data: L.months },
          yAxis: { type: "value", name: L.unit },
          series: [
            { name: L.plan, type: "line", step: false, lineStyle: { type: "dashed" }, data: d.plan.map(num) },
            { name: L.done, type: "bar", data: d.done.map(num) }
          ]
        });
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = readJson("dashboard-data");
    if (data) { dashboard(data); }
    var el = document.querySelector('[data-chart="project"]');
    if (el) { project(el); }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    // A real print dialog: redraw at the printed size first, and back afterwards.
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
