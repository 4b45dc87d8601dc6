// The public maps' base layer without tiles: district outlines, then the streets of the districts
// in view (zoom 12+), then the communities of the streets in view (zoom 15+); map_labels.js writes
// their names (and the unit-grid codes closer in), so that a citizen can find their street on a
// map that has no background picture.
(function () {
  "use strict";
  var STYLE = {
    district: { color: "#12314f", weight: 2, fill: false },
    street: { color: "#0b62a4", weight: 1.3, opacity: 0.8, fill: false },
    community: { color: "#0b62a4", weight: 0.8, opacity: 0.6, dashArray: "4 3", fill: false }
  };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " → " + r.status); }
      return r.json();
    });
  }

  // map_labels.js (and its styles) on a page that did not load them itself
  window.gridcityWithLabels = function (map, url) {
    if (window.gridcityLabels) { window.gridcityLabels(map, { url: url }); return; }
    if (!document.querySelector('link[href="/static/css/maps.css"]')) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = "/static/css/maps.css";
      document.head.appendChild(link);
    }
    var script = document.createElement("script");
    script.src = "/static/js/map_labels.js";
    script.onload = function () { window.gridcityLabels(map, { url: url }); };
    document.head.appendChild(script);
  };

  window.gridcityPortalBase = function (map) {
    var layers = {}, loaded = {};
    Object.keys(STYLE).forEach(function (level) {
      layers[level] = L.geoJSON(null, { style: STYLE[level], interactive: false }).addTo(map);
    });
    function add(level, data) {
      layers[level].addData(data);
    }
    window.gridcityWithLabels(map, "/portal/labels.json");
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
    }
    map.on("moveend", refresh);
    return getJSON("/portal/boundaries.geojson?level=district").then(function (d) {
      add("district", d);
      refresh();
    });
  };
})();
