// The analysis dashboard: every chart is drawn from its JSON endpoint (/dashboard/data/<chart>.json,
// the session cookie authorises the GET), and redrawn without reloading the page when the period or
// a filter changes. The CSV links always carry the same query as the figures drawn.
// For the browser tests: each chart's element gets data-ready="1" once drawn, and #dashboard gets
// data-ready="1" and data-draws (how many times everything was drawn) after each full draw.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  var form = document.getElementById("dash-filters");
  var status = document.getElementById("dash-status");
  var words = JSON.parse(root.dataset.words);
  var area = root.dataset.area || "";
  var query = root.dataset.query;
  var charts = {};
  var NETWORK_COLOURS = { city_management: "#0b62a4", social_service: "#2e9e44", public_security: "#b35c00" };
  var SCALE = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];

  function escape(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw new Error(body.detail || (url + " → " + r.status)); }
        return body;
      });
    });
  }
  function dataURL(chart, ext, extra) {
    return "/dashboard/data/" + chart + "." + ext + "?" + query + (extra ? "&" + extra : "");
  }
  function chart(name) {
    if (!charts[name]) {
      charts[name] = echarts.init(document.getElementById("chart-" + name), null, { renderer: "canvas" });
    }
    return charts[name];
  }
  function ready(el) { el.dataset.ready = "1"; }
  function noData(option, empty) {
    option.graphic = empty ? [{ type: "text", left: "center", top: "middle", style: { text: words.no_data, fill: "#6b7785", fontSize: 14 } }] : [];
    return option;
  }

  // --- 1. cases per day, stacked ---------------------------------------------------------------
  var stack = document.getElementById("daily-stack");
  function drawDaily(data) {
    var keys = data.meta.keys;
    var days = data.rows.map(function (r) { return r[0].slice(5); });
    var series = keys.map(function (key, i) {
      var s = { name: data.columns[i + 1], type: "bar", stack: "cases", barMaxWidth: 18, emphasis: { focus: "series" },
                data: data.rows.map(function (r) { return r[i + 1]; }) };
      if (NETWORK_COLOURS[key]) { s.itemStyle = { color: NETWORK_COLOURS[key] }; }
      return s;
    });
    chart("daily").setOption(noData({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 12, top: 34, bottom: 24 },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    }, data.meta.total === 0), true);
    document.querySelector("[data-figure=daily]").textContent = words.total + " " + data.meta.total;
    var el = document.getElementById("chart-daily");
    el.dataset.points = String(data.rows.length);
    ready(el);
  }
  function loadDaily() {
    return getJSON(dataURL("daily", "json", "stack=" + stack.value)).then(drawDaily);
  }

  // --- 2. closure and on-time rates per week ---------------------------------------------------
  function drawRates(data) {
    var weeks = data.rows.map(function (r) { return r[0].slice(5) + "~" + r[1].slice(5); });
    var filed = data.rows.map(function (r) { return r[2]; });
    chart("rates").setOption(noData({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 44, right: 44, top: 34, bottom: 24 },
      xAxis: { type: "category", data: weeks },
      yAxis: [
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        { type: "value", minInterval: 1, splitLine: { show: false } }
      ],
      series: [
        { name: data.columns[2], type: "bar", yAxisIndex: 1, data: filed, itemStyle: { color: "#d9e6f2" }, barMaxWidth: 28 },
        { name: data.columns[5], type: "line", data: data.rows.map(function (r) { return r[5]; }), itemStyle: { color: "#0b62a4" }, connectNulls: false },
        { name: data.columns[6], type: "line", data: data.rows.map(function (r) { return r[6]; }), itemStyle: { color: "#2e9e44" }, connectNulls: false }
      ]
    }, filed.every(function (n) { return n === 0; })), true);
    ready(document.getElementById("chart-rates"));
  }

  // --- 6. average time per stage ----------------------------------------------------------------
  function drawStages(data) {
    var rows = data.rows.slice().reverse();  // the first stage on top
    chart("stage_times").setOption(noData({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 70, right: 70, top: 8, bottom: 24 },
      xAxis: { type: "value", name: "h" },
      yAxis: { type: "category", data: rows.map(function (r) { return r[0]; }) },
      series: [{
        name: data.columns[2], type: "bar", barMaxWidth: 22, itemStyle: { color: "#0b62a4" },
        data: rows.map(function (r) { return r[2]; }),
        label: { show: true, position: "right", formatter: function (p) {
          var r = rows[p.dataIndex];
          return r[2] == null ? "" : r[2] + " h · " + r[1];
        } }
      }]
    }, data.rows.every(function (r) { return r[1] === 0; })), true);
    document.querySelector("[data-note=stage_times]").textContent = data.meta.note || "";
    ready(document.getElementById("chart-stage_times"));
  }

  // --- 7. anomaly hints ------------------------------------------------------------------------
  function drawAnomalies(data) {
    var list = document.getElementById("list-anomalies");
    document.querySelector("[data-note=anomalies]").textContent = data.meta.window;
    if (!data.rows.length) {
      list.innerHTML = '<li class="none">' + escape(words.no_anomalies) + "</li>";
    } else {
      list.innerHTML = data.rows.map(function (r) {
        return '<li><span class="kind">' + escape(r[0]) + "</span>" + escape(r[2]) + " <small class=\"muted\">" +
          escape(r[1]) + '</small><span class="hint">' + escape(r[r.length - 1]) + "</span></li>";
      }).join("");
    }
    ready(list);
  }

  // --- 5. top classes per street ---------------------------------------------------------------
  function drawTopClasses(data) {
    var table = document.getElementById("table-top_classes");
    document.querySelector("[data-title=top_classes]").textContent = data.meta.title;
    var areas = [], byArea = {};
    data.rows.forEach(function (r) {
      if (!byArea[r[0]]) { byArea[r[0]] = { name: r[1] || r[0] || "—", total: r[2], classes: [] }; areas.push(byArea[r[0]]); }
      byArea[r[0]].classes.push(r);
    });
    var head = "<thead><tr><th>" + escape(data.columns[1]) + '</th><th class="num">' + escape(data.columns[2]) +
      "</th><th>" + escape(data.columns[5]) + "</th></tr></thead>";
    var body = areas.map(function (a) {
      var classes = a.classes.map(function (r) {
        return escape(r[5]) + " <b>" + r[6] + '</b> <span class="share">' + r[7] + "%</span>";
      }).join("；");
      return '<tr><td class="area">' + escape(a.name) + '</td><td class="num">' + a.total + "</td><td>" + classes + "</td></tr>";
    }).join("");
    table.innerHTML = head + "<tbody>" + (body || '<tr><td colspan="3" class="muted">' + escape(words.no_data) + "</td></tr>") + "</tbody>";
    ready(table);
  }

  // --- 3. the overdue list ---------------------------------------------------------------------
  function drawOverdue(data) {
    var table = document.getElementById("table-overdue");
    var cols = data.columns;
    var head = "<thead><tr>" + cols.slice(1).map(function (c, i) {
      return "<th" + (i === 6 ? ' class="num"' : "") + ">" + escape(c) + "</th>";
    }).join("") + "</tr></thead>";
    var body = data.rows.map(function (r) {
      return '<tr class="late"><td><a href="/cases/' + encodeURIComponent(r[0]) + '">' + escape(r[1]) + "</a></td>" +
        r.slice(2).map(function (v, i) { return "<td" + (i === 5 ? ' class="num"' : "") + ">" + escape(v) + "</td>"; }).join("") + "</tr>";
    }).join("");
    table.innerHTML = head + "<tbody>" + (body || '<tr><td colspan="8" class="muted">' + escape(words.no_data) + "</td></tr>") + "</tbody>";
    document.querySelector("[data-figure=overdue]").textContent = String(data.meta.total);
    document.querySelector("[data-note=overdue]").textContent = data.meta.note;
    document.getElementById("overdue-queue").href = data.meta.queue;
    ready(table);
  }

  // --- 4. hot spots: areas coloured by their cases, or a heat map ------------------------------
  var mapEl = document.getElementById("dash-map");
  var b = root.dataset.bounds.split(",").map(Number);
  var map = L.map(mapEl, { maxZoom: 19, zoomSnap: 0.5 }).fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  window.gridcityDashboardMap = map;  // for the browser tests
  if (root.dataset.tiles) { L.tileLayer(root.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var areasLayer = L.geoJSON(null).addTo(map);
  var heatLayer = null;
  var outlines = {};  // boundaries already fetched, per level and parent
  var heatData = null;
  var mapToken = 0;
  var fitted = false;

  function mode() { return document.querySelector("input[name=map-mode]:checked").value; }
  function levelFor(zoom) {
    var levels = [];
    if (area.length < 6) { levels.push(["district", 11]); }
    if (area.length < 9) { levels.push(["street", 13]); }
    if (area.length < 12) { levels.push(["community", 14]); }
    for (var i = 0; i < levels.length; i++) { if (zoom <= levels[i][1]) { return levels[i][0]; } }
    return "grid";
  }
  function bbox(margin) {
    var s = map.getBounds(), m = margin || 0;
    return [s.getWest() - m, s.getSouth() - m, s.getEast() + m, s.getNorth() + m]
      .map(function (v) { return v.toFixed(5); }).join(",");
  }
  function outline(level, parent) {
    var key = level + ":" + parent;
    if (!outlines[key]) {
      outlines[key] = getJSON("/api/v1/boundaries?level=" + level + "&parent=" + encodeURIComponent(parent))
        .catch(function (e) { delete outlines[key]; throw e; });  // not kept: asked again next time
    }
    return outlines[key];
  }
  // Whose streets or communities to draw: the chosen street, else the user's area; for city staff
  // the districts in view (the whole city's streets at once would be a large download).
  function parents() {
    var street = form.elements.street.value;
    if (street || area) { return Promise.resolve([street || area]); }
    return outline("district", "").then(function (d) {
      var view = map.getBounds();
      return d.features.filter(function (f) {
        return L.geoJSON(f).getBounds().intersects(view);
      }).map(function (f) { return f.properties.code; });
    });
  }
  function shapes(level) {
    if (level === "grid") {
      return getJSON("/api/v1/grids?layer=city_management&bbox=" + bbox());
    }
    if (level === "district") { return outline("district", area); }
    return parents().then(function (codes) {
      return Promise.all(codes.map(function (code) { return outline(level, code); }));
    }).then(function (parts) {
      var features = [];
      parts.forEach(function (part) { features = features.concat(part.features); });
      return { type: "FeatureCollection", features: features };
    });
  }
  function colour(n, max) {
    if (!n) { return SCALE[0]; }
    var i = Math.min(SCALE.length - 1, 1 + Math.floor((SCALE.length - 1) * n / (max + 1)));
    return SCALE[i];
  }
  function legend(max) {
    var el = document.getElementById("map-legend");
    // built as elements: a style="" attribute in HTML text is refused by the Content-Security-Policy
    el.textContent = "";
    SCALE.forEach(function (c) {
      var swatch = document.createElement("i");
      swatch.style.background = c;
      el.appendChild(swatch);
    });
    var range = document.createElement("span");
    range.textContent = "0–" + max;
    el.appendChild(document.createTextNode(" "));
    el.appendChild(range);
  }
  function drawAreas() {
    var level = levelFor(map.getZoom());
    var token = ++mapToken;
    // the cases of the grids in view: the window widened by about two grids, so that a grid cut by
    // the window's edge still gets all its cases
    var extra = "level=" + level + (level === "grid" ? "&bbox=" + bbox(0.002) : "");
    setCsv("hotspots", extra);
    return Promise.all([shapes(level), getJSON(dataURL("hotspots", "json", extra))]).then(function (got) {
      if (token !== mapToken) { return; }  // a later move asked again
      var counts = {};
      got[1].rows.forEach(function (r) { counts[r[1]] = r[3]; });
      var max = got[1].meta.max;
      areasLayer.clearLayers();
      areasLayer.addData(got[0]);
      areasLayer.eachLayer(function (layer) {
        var p = layer.feature.properties, n = counts[p.code] || 0;
        layer.setStyle({
          color: "#12314f", weight: level === "grid" ? 0.5 : 1, fillColor: colour(n, max),
          fillOpacity: mode() === "heat" ? 0 : 0.75  // under the heat map only the outlines
        });
        layer.bindTooltip(escape(p.name || p.code) + " · " + words["level." + level] + "<br>" + escape(words.cases) + " " + n);
      });
      legend(max);
      document.querySelector("[data-figure=hotspots]").textContent = mode() === "heat" ? "" : words["level." + level];
      mapEl.dataset.level = level;
      ready(mapEl);
    });
  }
  function drawHeat() {
    if (heatLayer) { map.removeLayer(heatLayer); heatLayer = null; }
    if (mode() !== "heat" || !heatData) { return; }
    var points = heatData.rows.map(function (r) { return [r[1], r[0], r[2]]; });
    heatLayer = L.heatLayer(points, { radius: 18, blur: 14, maxZoom: 16, max: Math.max(1, heatData.meta.max / 2) }).addTo(map);
  }
  function drawMap() {
    var heat = mode() === "heat";
    document.getElementById("map-legend").hidden = heat;  // the colour scale belongs to the areas
    drawHeat();  // drawn when chosen, removed otherwise
    return drawAreas();
  }
  function loadMap() {
    return getJSON(dataURL("heat", "json")).then(function (data) {
      heatData = data;
      var box = data.meta.bbox;
      if (!fitted && box) {  // the first view: where the cases are
        fitted = true;
        map.fitBounds([[box[1], box[0]], [box[3], box[2]]], { padding: [10, 10], maxZoom: 15, animate: false });
      }
      return drawMap();
    });
  }
  map.on("moveend", function () { drawAreas().catch(showError); });
  document.querySelectorAll("input[name=map-mode]").forEach(function (el) {
    el.addEventListener("change", function () { drawMap().catch(showError); });
  });

  // --- filters and drawing everything ----------------------------------------------------------
  function setCsv(chart, extra) {
    var link = document.querySelector("a.csv[data-chart=" + chart + "]");
    if (link) { link.href = dataURL(chart, "csv", extra); }
  }
  function showError(e) {
    status.textContent = e.message || String(e);
    status.hidden = false;
  }
  function drawAll() {
    root.dataset.ready = "0";
    status.hidden = true;
    ["rates", "overdue", "top_classes", "stage_times", "anomalies", "heat"].forEach(function (c) { setCsv(c); });
    setCsv("daily", "stack=" + stack.value);
    var jobs = [
      loadDaily(),
      getJSON(dataURL("rates", "json")).then(drawRates),
      getJSON(dataURL("stage_times", "json")).then(drawStages),
      getJSON(dataURL("anomalies", "json")).then(drawAnomalies),
      getJSON(dataURL("top_classes", "json")).then(drawTopClasses),
      getJSON(dataURL("overdue", "json")).then(drawOverdue),
      loadMap()
    ];
    var began = performance.now();
    return Promise.all(jobs).then(function () {
      root.dataset.drawMs = String(Math.round(performance.now() - began));
      root.dataset.draws = String(Number(root.dataset.draws || 0) + 1);
      root.dataset.ready = "1";
      return true;
    }).catch(function (e) { showError(e); return false; });
  }
  function formQuery() {
    var chosen = new URLSearchParams();
    ["from", "to", "street", "network", "class_code"].forEach(function (name) {
      var v = form.elements[name].value.trim();
      if (v) { chosen.set(name, v); }
    });
    return chosen.toString();
  }
  function markPreset() {
    form.querySelectorAll(".preset").forEach(function (p) {
      p.classList.toggle("current", p.dataset.from === form.elements.from.value && p.dataset.to === form.elements.to.value);
    });
  }
  function apply() {
    var next = formQuery();
    var streetChanged = new URLSearchParams(next).get("street") !== new URLSearchParams(query).get("street");
    query = next;
    if (streetChanged) { fitted = false; }
    markPreset();
    return drawAll().then(function (drawn) {
      if (drawn) { history.replaceState(null, "", "/dashboard?" + query); }  // only a choice that worked
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.querySelectorAll(".preset").forEach(function (p) {
    p.addEventListener("click", function () {
      form.elements.from.value = p.dataset.from;
      form.elements.to.value = p.dataset.to;
      apply();
    });
  });
  ["street", "network"].forEach(function (name) { form.elements[name].addEventListener("change", apply); });
  stack.addEventListener("change", function () {
    setCsv("daily", "stack=" + stack.value);
    loadDaily().catch(showError);
  });
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  drawAll();
})();
