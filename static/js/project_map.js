/* The project map (一张图): Anshan's county-level divisions coloured by project count or planned
   investment, projects as points coloured by their light. Data: the map API in the caller's scope. */
(function () {
  "use strict";
  var configNode = document.getElementById("map-config");
  var container = document.getElementById("project-map");
  if (!configNode || !container || typeof echarts === "undefined") { return; }
  var config = JSON.parse(configNode.textContent);
  var labels = config.labels;
  var colours = { green: "#15803d", yellow: "#ca8a04", red: "#b91c1c", none: "#6b7280" };
  var chart = echarts.init(container, null, { renderer: "canvas" });
  var state = { metric: "count", data: null };
  var escape = echarts.format.encodeHTML;

  function regionValue(region) {
    return state.metric === "count" ? region.count : Number(region.investment);
  }

  function money(value) {
    var amount = Number(value);
    return amount >= 10000 ? (amount / 10000).toFixed(2) + " " + labels.yi : amount.toFixed(2) + " " + labels.wan;
  }

  function listItem(target, region) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = region.list_url;
    a.textContent = region.name + ":" + region.count + " " + labels.projects + "," + money(region.investment);
    li.appendChild(a);
    target.appendChild(li);
  }

  function render() {
    var data = state.data;
    var mapRegions = data.regions.filter(function (r) { return !r.is_zone; });
    var values = mapRegions.map(regionValue);
    var max = Math.max.apply(null, values.concat([1]));
    var byLight = {};
    data.points.forEach(function (p) {
      (byLight[p.overall] = byLight[p.overall] || []).push({
        name: p.name, value: [Number(p.longitude), Number(p.latitude), Number(p.total_investment)], url: p.url, region: p.region
      });
    });
    var series = [{
      name: labels[state.metric], type: "map", map: "anshan", geoIndex: 0,
      data: mapRegions.map(function (r) { return { name: r.name, value: regionValue(r), url: r.list_url }; })
    }];
    Object.keys(colours).forEach(function (light) {
      series.push({
        name: labels.light[light], type: "scatter", coordinateSystem: "geo", symbolSize: 9,
        itemStyle: { color: colours[light], borderColor: "#fff", borderWidth: 1 },
        data: byLight[light] || [], zlevel: 2
      });
    });
    chart.setOption({
      tooltip: {
        trigger: "item",
        // The tooltip is HTML: every piece of text in it is escaped (project names are user text).
        formatter: function (item) {
          if (item.seriesType === "scatter") {
            return escape(item.name) + "<br>" + escape(item.data.region) + " · " + escape(money(item.value[2]));
          }
          return escape(item.name + ":" + (state.metric === "count" ? (item.value || 0) + " " + labels.projects : money(item.value || 0)));
        }
      },
      legend: { bottom: 8, left: "center", data: Object.keys(colours).map(function (l) { return labels.light[l]; }) },
      visualMap: {
        min: 0, max: max, left: 10, bottom: 40, calculable: true, seriesIndex: 0,
        text: [labels[state.metric], ""], inRange: { color: ["#e0f2fe", "#7dd3fc", "#2563eb"] }
      },
      geo: { map: "anshan", roam: true, label: { show: true, fontSize: 11 }, itemStyle: { borderColor: "#fff" } },
      series: series
    }, true);
  }

  function fillLists() {
    var zones = document.getElementById("zone-list");
    var regions = document.getElementById("region-list");
    zones.textContent = "";
    regions.textContent = "";
    state.data.regions.forEach(function (r) { listItem(r.is_zone ? zones : regions, r); });
  }

  chart.on("click", function (item) {
    if (item.data && item.data.url) { window.location.href = item.data.url; }
  });
  document.querySelectorAll(".metric-button").forEach(function (button) {
    button.addEventListener("click", function () {
      state.metric = button.getAttribute("data-metric");
      if (state.data) { render(); }
    });
  });
  window.addEventListener("resize", function () { chart.resize(); });

  Promise.all([
    fetch(config.geojson_url, { credentials: "same-origin" }).then(function (r) { return r.json(); }),
    fetch(config.data_url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) { return r.json(); })
  ]).then(function (results) {
    echarts.registerMap("anshan", results[0]);
    state.data = results[1];
    fillLists();
    render();
    container.setAttribute("data-ready", "true");
  }).catch(function (error) {
    container.textContent = labels.failed + error;
  });
}());
