// The console map's patrol layer: the unit grids a supervisor was in today (巡查), with who was
// there, from /map/patrolled.geojson; the checkbox shows or hides it.
(function () {
  "use strict";
  var dom = window.gridcityDom;
  var map = window.gridcityMap;
  var box = document.getElementById("map-patrolled");
  var status = document.getElementById("map-patrolled-status");
  if (!map || !box) { return; }
  var layer = L.geoJSON(null, {
    style: { color: "#7a3db8", weight: 2, opacity: 0.9, fillOpacity: 0.25 },
    onEachFeature: function (f, l) {
      l.bindTooltip(dom.tip(f.properties.code + " · " + (f.properties.supervisors || []).join("、")));
    }
  });
  fetch("/map/patrolled.geojson", { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) { throw new Error("/map/patrolled.geojson → " + r.status); }
    return r.json();
  }).then(function (d) {
    layer.addData(d);
    status.textContent = status.dataset.text.replace("{n}", String(d.features.length));
    status.dataset.count = String(d.features.length);
    if (box.checked) { layer.addTo(map); }
  }).catch(function (e) { status.textContent = String(e); });
  box.addEventListener("change", function () {
    if (box.checked) { layer.addTo(map); } else { map.removeLayer(layer); }
  });
})();
