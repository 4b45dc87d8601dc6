// 责任网格: the admin's unit grids coloured by the supervisor who holds each (grey: nobody), the
// chosen supervisor's grids outlined thick; a click on a grid adds its code to the form (or takes
// it out). The grids of the window come with their holders from /admin/supervisors/grids.geojson
// (the session cookie), drawn from zoom 15.
(function () {
  "use strict";
  var dom = window.gridcityDom;
  var el = document.getElementById("supervisor-map");
  if (!el) { return; }
  var status = document.getElementById("supervisor-map-status");
  var box = document.getElementById("supervisor-grids");
  var choice = document.getElementById("supervisor-choice");
  var b = el.dataset.bounds.split(",").map(Number);
  var minZoom = Number(el.dataset.minZoom) || 15;
  var map = L.map(el, { maxZoom: 19 }).fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  window.gridcitySupervisorMap = map;  // for the browser tests
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var request = 0;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " → " + r.status); }
      return r.json();
    });
  }
  function selected() {
    return box ? box.value.split(/[\s,，、;；]+/).filter(Boolean) : [];
  }
  function chosenId() {
    var option = choice && choice.options[choice.selectedIndex];
    return option ? Number(option.dataset.id) : null;
  }
  function colour(id) {
    return "hsl(" + ((id * 137) % 360) + ", 65%, 42%)";
  }
  function style(f) {
    var code = f.properties.code;
    var holder = f.properties.holder;
    var picked = selected().indexOf(code) >= 0;
    var mine = holder && holder.id === chosenId();
    return {
      color: picked ? "#f59e0b" : holder ? colour(holder.id) : "#9aa5b1",
      weight: picked || mine ? 3 : 1,
      opacity: 0.9,
      fillOpacity: picked ? 0.35 : holder ? 0.25 : 0.05
    };
  }
  var outlines = L.geoJSON(null, { style: { color: "#12314f", weight: 2, fill: false }, interactive: false }).addTo(map);
  var grids = L.geoJSON(null, {
    style: style,
    onEachFeature: function (f, layer) {
      var holder = f.properties.holder;
      layer.bindTooltip(dom.tip(f.properties.code + (holder ? " · " + holder.name : "")));
      layer.on("click", function () { toggle(f.properties.code); });
    }
  }).addTo(map);

  function toggle(code) {
    if (!box) { return; }
    var codes = selected();
    var at = codes.indexOf(code);
    if (at >= 0) { codes.splice(at, 1); } else { codes.push(code); }
    box.value = codes.join("\n");
    grids.setStyle(style);
  }
  function bbox() {
    var s = map.getBounds();
    return [s.getWest(), s.getSouth(), s.getEast(), s.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
  }
  function refresh() {
    var mine = ++request;
    if (map.getZoom() < minZoom) {
      grids.clearLayers();
      el.dataset.drawn = "0";
      status.textContent = el.dataset.hint;
      return Promise.resolve();
    }
    return getJSON("/admin/supervisors/grids.geojson?bbox=" + bbox()).then(function (d) {
      if (mine !== request) { return; }
      grids.clearLayers();
      grids.addData(d);
      el.dataset.drawn = String(grids.getLayers().length);
      status.textContent = grids.getLayers().length + (d.truncated ? "+" : "");
    }).catch(function (e) { status.textContent = String(e); });
  }
  var parent = el.dataset.scope ? "&parent=" + encodeURIComponent(el.dataset.scope) : "";
  getJSON("/api/v1/boundaries?level=" + el.dataset.outline + parent).then(function (d) {
    outlines.addData(d);
    el.dataset.ready = "1";
    return refresh();
  }).catch(function (e) { status.textContent = String(e); });
  if (box) { box.addEventListener("input", function () { grids.setStyle(style); }); }
  if (choice) { choice.addEventListener("change", function () { grids.setStyle(style); }); }
  map.on("moveend", refresh);
})();
