// The wall view (指挥大屏): reads /wall/data.json every data-every seconds and redraws the counts,
// today's cases on the map and the most overdue cases; "更新于" shows the time of the figures.
// When a read fails the last figures stay, marked as stale.
(function () {
  "use strict";
  var dom = window.gridcityDom;
  var root = document.getElementById("main");
  var every = Math.max(2, Number(root.dataset.every || 30)) * 1000;
  var el = document.getElementById("wall-map");
  var b = el.dataset.bounds.split(",").map(Number);
  var map = L.map(el, { zoomControl: false, attributionControl: false, maxZoom: 18 })
    .fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  window.gridcityWallMap = map;  // for the browser tests
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map); }
  var colours = { green: "#3ccf5c", yellow: "#ffd23f", red: "#ff4d4d", none: "#9aa7b4", ended: "#5f7387" };
  var streets = L.geoJSON(null, { style: { color: "#5d8fc0", weight: 1.5, fill: false }, interactive: false }).addTo(map);
  fetch("/api/v1/boundaries?level=street&parent=" + encodeURIComponent(el.dataset.scope), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (d) { streets.addData(d); });
  if (window.gridcityLabels) { window.gridcityLabels(map, { url: "/map/labels.json", first: el.dataset.scope }); }
  var cases = L.layerGroup().addTo(map);
  var known = null;  // the ids of the last draw: a new case pulses once

  function set(id, value) { document.getElementById(id).textContent = String(value); }
  function cell(text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    return td;
  }
  function draw(data) {
    set("wall-time", data.as_of);
    set("wall-open", data.open);
    set("wall-reported", data.reported_today);
    set("wall-closed", data.closed_today);
    set("wall-overdue", data.overdue_total);
    data.lights.forEach(function (l) {
      var li = document.querySelector('#wall-lights [data-light="' + l.key + '"] .wall-count');
      if (li) { li.textContent = String(l.count); }
    });
    data.stages.forEach(function (s) {
      var li = document.querySelector('#wall-stages [data-stage="' + s.key + '"] .wall-count');
      if (li) { li.textContent = String(s.count); }
    });
    cases.clearLayers();
    var ids = {};
    data.today.forEach(function (c) {
      ids[c.id] = true;
      var fresh = known !== null && !known[c.id];
      var marker = L.circleMarker([c.lat, c.lon], {
        radius: fresh ? 9 : 6, color: fresh ? "#fff" : "#0b1622", weight: fresh ? 3 : 1, fillOpacity: 0.95,
        fillColor: colours[c.light] || "#9aa7b4", className: "wall-case light-" + c.light + (fresh ? " wall-marker-new" : "")
      });
      marker.bindTooltip(dom.tip(c.number + " · " + c.class_name + " · " + c.state_label));
      cases.addLayer(marker);
    });
    known = ids;
    set("wall-map-count", data.today.length);
    var body = document.getElementById("wall-overdue-rows");
    body.textContent = "";
    data.top_overdue.forEach(function (r) {
      var tr = document.createElement("tr");
      var number = cell("");
      var link = document.createElement("a");
      link.href = "/cases/" + r.id;
      link.textContent = r.number;
      number.appendChild(link);
      tr.appendChild(number);
      var what = cell(r.class_name);
      var street = document.createElement("span");
      street.className = "sub";
      street.textContent = r.street + " · " + r.state_label;
      what.appendChild(street);
      tr.appendChild(what);
      tr.appendChild(cell(r.department));
      var hours = cell(String(r.overdue_hours), "num");
      hours.title = r.unit;
      tr.appendChild(hours);
      body.appendChild(tr);
    });
    document.getElementById("wall-none").hidden = data.top_overdue.length > 0;
    document.getElementById("wall-stale").hidden = true;
    root.dataset.refreshes = String(Number(root.dataset.refreshes || 0) + 1);
  }
  function refresh() {
    fetch(root.dataset.url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(draw)
      .catch(function () { document.getElementById("wall-stale").hidden = false; })
      .then(function () { setTimeout(refresh, every); });
  }
  refresh();
})();
