// The console map's component layer (部件): at street level (zoom ≥ data-component-zoom, or a
// window small enough) it asks for the components of the visible area only — one request per
// pause in moving the map — and draws them as dots coloured by state; further out it loads
// nothing and asks the reader to zoom in. A window holding more than the server sends is said.
(function () {
  "use strict";
  var dom = window.gridcityDom;
  var map = window.gridcityMap;
  var el = document.getElementById("map");
  var toggle = document.getElementById("map-components");
  var status = document.getElementById("map-components-status");
  if (!map || !el || !toggle || !status) { return; }
  var minZoom = Number(el.dataset.componentZoom || 17);
  var LIMIT = 2000;
  var SMALL_WINDOW_M2 = 1.5e6;  // a phone-sized window at zoom 16 holds about as much as zoom 17
  var colours = { intact: "#3f7f5f", damaged: "#e67e22", lost: "#212529", abandoned: "#7d4e9e", removed: "#8a949e" };
  window.gridcityComponentColours = colours;
  var labels = {};
  (el.dataset.componentStates || "").split(",").forEach(function (pair) {
    var kv = pair.split(":");
    if (kv.length === 2) { labels[kv[0]] = kv[1]; }
  });
  map.createPane("components");
  map.getPane("components").style.zIndex = 450;  // above the grids, below the cases' markers
  var layer = L.layerGroup().addTo(map);
  var timer = null, asked = 0, controller = null;

  function windowArea(bounds) {
    var sw = bounds.getSouthWest(), ne = bounds.getNorthEast();
    var w = sw.distanceTo(L.latLng(sw.lat, ne.lng)), h = sw.distanceTo(L.latLng(ne.lat, sw.lng));
    return w * h;
  }
  function wanted() {
    return toggle.checked && (map.getZoom() >= minZoom || windowArea(map.getBounds()) <= SMALL_WINDOW_M2);
  }
  function popup(p) {
    return dom.lines([
      dom.el("b", null, p.class_name || p.class_code),
      dom.el("a", { href: "/components/" + encodeURIComponent(p.code) }, p.code),
      (labels[p.state] || p.state_label || p.state) + " · " + (p.owner_name == null ? "" : p.owner_name)
    ]);
  }
  function draw(data) {
    layer.clearLayers();
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      L.circleMarker([c[1], c[0]], {
        pane: "components", radius: 4, color: "#fff", weight: 1, fillOpacity: 0.85,
        fillColor: colours[p.state] || "#888", className: "component-marker state-" + p.state
      }).bindPopup(function () { return popup(p); }).addTo(layer);
    });
    var n = data.features.length;
    var text = data.truncated ? el.dataset.componentsTruncatedText : el.dataset.componentsCountText;
    status.textContent = (text || "{n}").replace("{n}", String(n));
    status.classList.toggle("warn", Boolean(data.truncated));
    el.dataset.components = String(n);
    el.dataset.componentsTruncated = data.truncated ? "1" : "0";
  }
  function load() {
    timer = null;
    var ticket = ++asked;
    if (controller) { controller.abort(); controller = null; }
    if (!wanted()) {
      layer.clearLayers();
      status.textContent = toggle.checked ? el.dataset.componentsZoomText : "";
      status.classList.remove("warn");
      el.dataset.components = "0";
      el.dataset.componentDraws = String(Number(el.dataset.componentDraws || 0) + 1);
      return;
    }
    var s = map.getBounds();
    var box = [s.getWest(), s.getSouth(), s.getEast(), s.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    controller = window.AbortController ? new AbortController() : null;
    fetch("/api/v1/components.geojson?limit=" + LIMIT + "&bbox=" + box,
          { credentials: "same-origin", signal: controller ? controller.signal : undefined })
      .then(function (r) {
        if (!r.ok) { throw new Error("components → " + r.status); }
        return r.json();
      })
      .then(function (data) {
        if (ticket !== asked) { return; }  // the map moved on meanwhile
        draw(data);
        el.dataset.componentDraws = String(Number(el.dataset.componentDraws || 0) + 1);
      })
      .catch(function (e) {
        if (e && e.name === "AbortError") { return; }
        status.textContent = String(e);
      });
  }
  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(load, 250);
  }
  map.on("moveend", later);
  toggle.addEventListener("change", load);
  load();
})();
