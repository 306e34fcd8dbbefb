/* The project page's procedure chart (甘特图): one row per item, the current plan as a bar (critical
   path in red), the baseline as a thin bar under it, the actual dates as a dark bar over it. Data from
   json_script; every text in a tooltip is escaped (echarts.format.encodeHTML): names are user data. */
(function () {
  "use strict";
  var DAY = 86400000;

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function time(iso) { return iso ? Date.parse(iso + "T00:00:00Z") : null; }

  function draw() {
    var el = document.querySelector('[data-chart="procedure-gantt"]');
    var rows = readJson("procedure-gantt-data");
    var L = readJson("procedure-gantt-labels") || {};
    if (!el || !rows || !rows.length || !window.echarts) { return; }
    var esc = echarts.format.encodeHTML;
    el.style.height = Math.max(240, rows.length * 22 + 60) + "px";
    var names = rows.map(function (r) { return (r.sub ? "  · " : "") + r.name; });

    function series(name, startKey, finishKey, offset, height, colour) {
      var data = [];
      rows.forEach(function (r, i) {
        var s = time(r[startKey]), f = time(r[finishKey]);
        if (s !== null && f !== null) { data.push({ value: [i, s, f + DAY], row: r }); }
      });
      return {
        name: name, type: "custom", encode: { x: [1, 2], y: 0 }, data: data,
        renderItem: function (params, api) {
          var start = api.coord([api.value(1), api.value(0)]);
          var end = api.coord([api.value(2), api.value(0)]);
          var band = api.size([0, 1])[1];
          var row = data[params.dataIndex].row;
          var fill = colour === "plan" ? (row.critical ? "#b91c1c" : "#1d4ed8") : colour;
          return {
            type: "rect",
            shape: { x: start[0], y: start[1] - band / 2 + band * offset, width: Math.max(2, end[0] - start[0]), height: band * height },
            style: api.style({ fill: fill })
          };
        }
      };
    }

    function tip(params) {
      var r = params.data.row;
      var keys = [["start", "finish"], ["baseline_start", "baseline_finish"], ["actual_start", "actual_finish"]][params.seriesIndex];
      var lines = ["<strong>" + esc(r.name) + "</strong>",
                   esc(params.seriesName) + ": " + esc(r[keys[0]] || "") + " ~ " + esc(r[keys[1]] || "")];
      if (r.unit) { lines.push(esc(L.unit || "") + ": " + esc(r.unit)); }
      lines.push(esc(r.status));
      if (r.critical) { lines.push(esc(L.critical || "")); }
      if (r.deficiency) { lines.push(esc(L.deficiency || "") + ": " + esc(r.deficiency) + " (" + esc(L.deadline || "") + " " + esc(r.deficiency_deadline || "") + ")"); }
      return lines.join("<br>");
    }

    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" },
      tooltip: { formatter: tip, confine: true },
      legend: { top: 0, data: [L.plan, L.baseline, L.actual] },
      grid: { left: 8, right: 16, top: 32, bottom: 48, containLabel: true },
      dataZoom: [{ type: "slider", xAxisIndex: 0, bottom: 8 }, { type: "inside", xAxisIndex: 0 }],
      xAxis: { type: "time" },
      yAxis: { type: "category", inverse: true, data: names, axisLabel: { width: 160, overflow: "truncate" } },
      color: ["#1d4ed8", "#9ca3af", "#111827"],
      series: [
        series(L.plan, "start", "finish", 0.1, 0.45, "plan"),
        series(L.baseline, "baseline_start", "baseline_finish", 0.6, 0.2, "#9ca3af"),
        series(L.actual, "actual_start", "actual_finish", 0.25, 0.2, "#111827")
      ]
    });
    el.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
