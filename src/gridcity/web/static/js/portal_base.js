// The public maps' base layer without tiles: district outlines, then the streets of the districts
// in view (zoom 12+), then the communities of the streets in view (zoom 15+), each with its name,
// so that a citizen can find their street on a map that has no background picture.
(function () {
  "use strict";
  var STYLE = {
    district: { color: "#12314f", weight: 2, fill: false },
    street: { color: "#0b62a4", weight: 1.3, opacity: 0.8, fill: false },
    community: { color: "#0b62a4", weight: 0.8, opacity: 0.6, dashArray: "4 3", fill: false }
  };
  // which level's names show at which zoom
  var LABEL_ZOOM = { district: [9, 12], street: [13, 15], community: [16, 99] };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " → " + r.status); }
      return r.json();
    });
  }

  window.gridcityPortalBase = function (map) {
    var layers = {}, labels = {}, loaded = {};
    Object.keys(STYLE).forEach(function (level) {
      layers[level] = L.geoJSON(null, { style: STYLE[level], interactive: false }).addTo(map);
      labels[level] = L.layerGroup();
    });
    function add(level, data) {
      layers[level].addData(data);
      data.features.forEach(function (f) {
        var name = document.createElement("span");
        name.textContent = f.properties.name;
        var at = L.geoJSON(f).getBounds().getCenter();
        labels[level].addLayer(L.marker(at, {
          icon: L.divIcon({ className: "portal-label portal-label-" + level, html: name, iconSize: null }),
          interactive: false, keyboard: false
        }));
      });
    }
    function showLabels() {
      var z = map.getZoom();
      Object.keys(labels).forEach(function (level) {
        var on = z >= LABEL_ZOOM[level][0] && z <= LABEL_ZOOM[level][1];
        if (on && !map.hasLayer(labels[level])) { labels[level].addTo(map); }
        if (!on && map.hasLayer(labels[level])) { map.removeLayer(labels[level]); }
      });
    }
    function loadChildren(parentLevel, childLevel, minZoom) {
      if (map.getZoom() < minZoom) { return; }
      var view = map.getBounds();
      layers[parentLevel].eachLayer(function (layer) {
        var code = layer.feature.properties.code;
        if (!loaded[code] && view.intersects(layer.getBounds())) {
          loaded[code] = true;
          getJSON("/portal/boundaries.geojson?level=" + childLevel + "&parent=" + code)
            .then(function (d) { add(childLevel, d); refresh(); });
        }
      });
    }
    function refresh() {
      loadChildren("district", "street", 12);
      loadChildren("street", "community", 15);
      showLabels();
    }
    map.on("moveend", refresh);
    return getJSON("/portal/boundaries.geojson?level=district").then(function (d) {
      add("district", d);
      refresh();
    });
  };
})();
