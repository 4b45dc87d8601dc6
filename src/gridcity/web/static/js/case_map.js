// The case page's small map: the reported point and the unit grids around it, its own grid marked,
// each with its code (map_labels.js, loaded here so that the case page needs no other tag).
(function () {
  "use strict";
  var dom = window.gridcityDom;
  var el = document.getElementById("case-map");
  if (!el) { return; }
  var lon = Number(el.dataset.lon), lat = Number(el.dataset.lat), code = el.dataset.grid;
  var map = L.map(el, { maxZoom: 19, scrollWheelZoom: false }).setView([lat, lon], 17);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var d = 0.003;
  var box = [lon - d, lat - d, lon + d, lat + d].map(function (v) { return v.toFixed(5); }).join(",");
  fetch("/api/v1/grids?layer=city_management&bbox=" + box, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (data) {
      L.geoJSON(data, {
        style: function (f) {
          var own = f.properties.code === code;
          return { color: own ? "#d1242f" : "#0b62a4", weight: own ? 3 : 1, fillOpacity: own ? 0.12 : 0.02 };
        },
        onEachFeature: function (f, layer) { layer.bindTooltip(dom.tip(f.properties.code)); }
      }).addTo(map);
      L.circleMarker([lat, lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#d1242f", fillOpacity: 1 }).addTo(map);
      el.dataset.ready = "1";
    });
  // the unit-grid codes written on the grids (and the community's name further out)
  var labels = document.createElement("script");
  labels.src = "/static/js/map_labels.js";
  labels.onload = function () { window.gridcityLabels(map, { url: "/map/labels.json" }); };
  document.head.appendChild(labels);
  if (!document.querySelector('link[href="/static/css/maps.css"]')) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/static/css/maps.css";
    document.head.appendChild(css);
  }
})();
