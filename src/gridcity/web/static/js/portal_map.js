// The public map of recent cases: district outlines and the cases as clustered points (rounded to
// about 100 m by the server), each with its number, class, state, street and report date.
(function () {
  "use strict";
  var el = document.getElementById("public-map");
  var status = document.getElementById("map-status");
  var b = el.dataset.bounds.split(",").map(Number);
  var map = L.map(el, { maxZoom: 18 }).fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  window.gridcityPublicMap = map;  // for the browser tests
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map); }
  var colours = { closed: "#2e9e44", rejected: "#888", void: "#888" };
  var cases = L.markerClusterGroup({ disableClusteringAtZoom: 17, maxClusterRadius: 50 }).addTo(map);

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " → " + r.status); }
      return r.json();
    });
  }
  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value;
    return node;
  }
  function popup(p) {
    var box = document.createElement("div");
    var link = text("a", p.number);
    link.href = "/track?number=" + encodeURIComponent(p.number);
    box.appendChild(link);
    box.appendChild(text("div", p.class_name));
    box.appendChild(text("div", p.state_label + " · " + p.street));
    box.appendChild(text("div", p.reported_on));
    return box;
  }
  window.gridcityPortalBase(map);
  getJSON("/portal/cases.geojson?days=" + encodeURIComponent(el.dataset.days)).then(function (data) {
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var marker = L.circleMarker([c[1], c[0]], {
        radius: 7, color: "#fff", weight: 1, fillOpacity: 0.9, fillColor: colours[p.state] || "#0b62a4"
      });
      marker.bindPopup(popup(p));
      cases.addLayer(marker);
    });
    status.textContent = String(data.features.length);
    el.dataset.ready = "1";
  }).catch(function (e) { status.textContent = String(e); });
})();
