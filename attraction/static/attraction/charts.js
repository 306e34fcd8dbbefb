/* Charts of the investment-attraction pages. Data comes from json_script elements (CSP: no inline script). */
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node || typeof echarts === "undefined") { return; }
    echarts.init(node).setOption(option);
    node.setAttribute("data-rendered", "true");
  }
  var board = data("board-data");
  if (board) {
    chart("board-chart", {
      tooltip: { trigger: "axis" },
      legend: {},
      grid: { bottom: 60 },
      xAxis: { type: "category", data: board.regions, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", name: "个" },
      series: board.series.map(function (s) { return { name: s.name, type: "bar", stack: "pools", data: s.data }; })
    });
  }
  var capital = data("capital-data");
  if (capital) {
    chart("capital-chart", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: capital.months },
      yAxis: { type: "value", name: "万元" },
      series: [
        { name: capital.labels[0], type: "bar", data: capital.this_year.map(function (v) { return v === null ? null : Number(v); }) },
        { name: capital.labels[1], type: "bar", data: capital.last_year.map(Number) }
      ]
    });
  }
  var targets = data("targets-data");
  if (targets) {
    chart("targets-chart", {
      tooltip: { trigger: "axis" },
      legend: {},
      grid: { bottom: 60 },
      xAxis: { type: "category", data: targets.regions, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", name: "万元" },
      series: [
        { name: targets.labels[0], type: "bar", data: targets.capital.map(Number) },
        { name: targets.labels[1], type: "bar", data: targets.target.map(Number) }
      ]
    });
  }
})();
