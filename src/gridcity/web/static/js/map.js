// The console map: boundaries of the user's area, unit grids at high zoom, cases as clustered
// markers coloured by their traffic light. Data come from the JSON API (the session cookie
// authorises these GET requests); tiles only when a tile URL is configured.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var status = document.getElementById("map-status");
  var b = el.dataset.bounds.split(",").map(Number);
  var map = L.map(el, { maxZoom: 19 }).fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  window.gridcityMap = map;  // for the browser tests and the console's own scripts
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  var colours = { green: "#2e9e44", yellow: "#e6b800", red: "#d1242f" };
  map.createPane("cases").style.zIndex = 460;  // above the components' dots (map_components.js)
  var streets = L.geoJSON(null, { style: { color: "#12314f", weight: 2, fill: false } }).addTo(map);
  var grids = L.geoJSON(null, {
    style: { color: "#0b62a4", weight: 1, opacity: 0.6, fillOpacity: 0.03 },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.code); }
  }).addTo(map);
  // A cluster takes the colour of its most urgent case, so that a red case is never hidden in a
  // green bubble; its number is how many cases it holds.
  var rank = { red: 3, yellow: 2, green: 1 };
  var cases = L.markerClusterGroup({
    disableClusteringAtZoom: 17,
    iconCreateFunction: function (cluster) {
      var worst = "none";
      cluster.getAllChildMarkers().forEach(function (m) {
        if ((rank[m.options.light] || 0) > (rank[worst] || 0)) { worst = m.options.light; }
      });
      return L.divIcon({
        html: "<span>" + cluster.getChildCount() + "</span>",
        className: "case-cluster light-" + worst,
        iconSize: L.point(34, 34)
      });
    }
  }).addTo(map);

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
  function showCases(data) {
    cases.clearLayers();
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var marker = L.circleMarker([c[1], c[0]], {
        pane: "cases", radius: 6, color: "#fff", weight: 1, fillOpacity: 0.9, fillColor: colours[p.light] || "#888"
      });
      marker.options.light = p.light;
      marker.bindPopup('<a href="/cases/' + p.id + '">' + p.number + "</a><br>" + p.class_name);
      cases.addLayer(marker);
    });
  }
  function refresh() {
    var box = bbox(), began = performance.now();
    var states = document.getElementById("map-all").checked ? "" : "&state=" + el.dataset.openStates;
    var jobs = [getJSON("/api/v1/cases.geojson?bbox=" + box + states).then(showCases)];
    grids.clearLayers();
    if (map.getZoom() >= Number(el.dataset.gridZoom)) {
      jobs.push(getJSON("/api/v1/grids?layer=city_management&bbox=" + box).then(function (d) { grids.addData(d); }));
    }
    return Promise.all(jobs).then(function () {
      // for the README's figures: the first full draw counted from navigation start, and the
      // latest redraw counted from the move that asked for it
      if (!el.dataset.loadedMs) { el.dataset.loadedMs = Math.round(performance.now()); }
      el.dataset.refreshMs = Math.round(performance.now() - began);
      el.dataset.draws = Number(el.dataset.draws || 0) + 1;
      status.textContent = cases.getLayers().length + " · " + grids.getLayers().length;
    }).catch(function (e) { status.textContent = String(e); });
  }
  getJSON("/api/v1/boundaries?level=street&parent=" + encodeURIComponent(el.dataset.scope))
    .then(function (d) { streets.addData(d); });
  map.on("moveend", refresh);
  document.getElementById("map-all").addEventListener("change", refresh);
  refresh();
})();
