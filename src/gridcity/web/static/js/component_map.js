// The component page's small map: the component, the other components and the unit grids around
// it (its own grid marked).
(function () {
  "use strict";
  var dom = window.gridcityDom;
  var el = document.getElementById("component-map");
  if (!el) { return; }
  var lon = Number(el.dataset.lon), lat = Number(el.dataset.lat), code = el.dataset.grid;
  var colours = window.gridcityComponentColours ||
    { intact: "#3f7f5f", damaged: "#e67e22", lost: "#212529", abandoned: "#7d4e9e", removed: "#8a949e" };
  var map = L.map(el, { maxZoom: 20, scrollWheelZoom: false }).setView([lat, lon], 18);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 20 }).addTo(map); }
  var d = 0.0015;
  var box = [lon - d, lat - d, lon + d, lat + d].map(function (v) { return v.toFixed(5); }).join(",");
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : { features: [] }; });
  }
  Promise.all([
    getJSON("/api/v1/grids?layer=city_management&bbox=" + box).then(function (data) {
      L.geoJSON(data, {
        style: function (f) {
          var own = f.properties.code === code;
          return { color: own ? "#0b62a4" : "#8aa9c4", weight: own ? 2 : 1, fillOpacity: own ? 0.06 : 0.01 };
        },
        onEachFeature: function (f, layer) { layer.bindTooltip(dom.tip(f.properties.code)); }
      }).addTo(map);
    }),
    getJSON("/api/v1/components.geojson?limit=500&bbox=" + box).then(function (data) {
      data.features.forEach(function (f) {
        var c = f.geometry.coordinates, p = f.properties;
        if (c[0] === lon && c[1] === lat) { return; }
        L.circleMarker([c[1], c[0]], {
          radius: 4, color: "#fff", weight: 1, fillOpacity: 0.6, fillColor: colours[p.state] || "#888"
        }).bindTooltip(dom.tip((p.class_name || p.class_code) + " " + p.code)).on("click", function () {
          window.location.href = "/components/" + encodeURIComponent(p.code);
        }).addTo(map);
      });
    })
  ]).then(function () {
    L.circleMarker([lat, lon], {
      radius: 8, color: "#12314f", weight: 3, fillColor: colours[el.dataset.state] || "#888", fillOpacity: 1
    }).addTo(map);
    el.dataset.ready = "1";
  });
})();
