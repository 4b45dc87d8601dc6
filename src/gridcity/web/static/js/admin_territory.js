// The admin's territory map: outlines of the area, and the current grids of the chosen layer
// (drawn from the zoom where that layer's grids are big enough to see). A click on a grid shows
// its version and the grids of the other two networks it overlaps (三网对照). Data come from the
// JSON API with the session cookie; tiles only when a tile URL is configured.
(function () {
  "use strict";
  var dom = window.gridcityDom;
  var el = document.getElementById("admin-map");
  if (!el) { return; }
  var status = document.getElementById("admin-map-status");
  var b = el.dataset.bounds.split(",").map(Number);
  var minZoom = JSON.parse(el.dataset.minZoom);
  var map = L.map(el, { maxZoom: 19 }).fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  window.gridcityAdminMap = map;  // for the browser tests
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  var colours = { city_management: "#0b62a4", social_service: "#7a3db8", public_security: "#c2410c" };
  var outlines = L.geoJSON(null, {
    style: { color: "#12314f", weight: 2, fill: false },
    interactive: false
  }).addTo(map);
  var grids = L.geoJSON(null, {
    style: function (f) {
      return { color: colours[f.properties.layer] || "#0b62a4", weight: 1, opacity: 0.8, fillOpacity: 0.06 };
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(dom.tip(f.properties.code));
      layer.on("click", function (e) { showGrid(f.properties, e.latlng); });
    }
  }).addTo(map);
  var radios = document.querySelectorAll("input[name='map-layer']");
  var request = 0;

  function current() {
    var checked = document.querySelector("input[name='map-layer']:checked");
    return checked ? checked.value : "city_management";
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " → " + r.status); }
      return r.json();
    });
  }
  function bbox() {
    var s = map.getBounds();
    return [s.getWest(), s.getSouth(), s.getEast(), s.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
  }
  function showGrid(p, latlng) {
    getJSON("/api/v1/grids/" + encodeURIComponent(p.layer) + "/" + encodeURIComponent(p.code)).then(function (g) {
      var overlaps = g.overlaps.map(function (o) {
        return o.layer + " " + o.code + " " + Math.round(o.share * 100) + "%";
      });
      L.popup().setLatLng(latlng).setContent(dom.lines([
        [dom.el("b", null, g.code), " v" + g.version],
        Math.round(g.area_m2) + " m² · " + g.valid_from.slice(0, 10)
      ].concat(overlaps))).openOn(map);
    }).catch(function (e) { status.textContent = String(e); });
  }
  function refresh() {
    var layer = current();
    var mine = ++request;
    if (map.getZoom() < (minZoom[layer] || 15)) {
      grids.clearLayers();
      el.dataset.drawn = "0";
      status.textContent = el.dataset.hint;
      return Promise.resolve();
    }
    return getJSON("/api/v1/grids?layer=" + encodeURIComponent(layer) + "&bbox=" + bbox()).then(function (d) {
      if (mine !== request) { return; }  // a later move or layer switch won
      grids.clearLayers();
      grids.addData(d);
      el.dataset.drawn = String(grids.getLayers().length);
      el.dataset.layer = layer;
      status.textContent = grids.getLayers().length + (d.truncated ? "+" : "");
    }).catch(function (e) { status.textContent = String(e); });
  }
  var outline = el.dataset.outline;
  var parent = el.dataset.scope ? "&parent=" + encodeURIComponent(el.dataset.scope) : "";
  getJSON("/api/v1/boundaries?level=" + outline + parent).then(function (d) {
    outlines.addData(d);
    el.dataset.ready = "1";
  }).catch(function (e) { status.textContent = String(e); });
  Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", refresh); });
  // "show" in the versions table: fly to the community (street) and switch to its layer
  document.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-fit]");
    if (!button) { return; }
    var f = button.dataset.fit.split(",").map(Number);
    var radio = document.querySelector("input[name='map-layer'][value='" + button.dataset.layer + "']");
    if (radio) { radio.checked = true; }
    map.fitBounds([[f[1], f[0]], [f[3], f[2]]]);
    el.scrollIntoView({ behavior: "smooth", block: "center" });
    refresh();
  });
  map.on("moveend", refresh);
  refresh();
})();
