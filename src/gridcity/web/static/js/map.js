// The console map: boundaries of the user's area, unit grids at high zoom, cases as clustered
// markers coloured by their traffic light (a window with too many: the server's clusters), and beside it the list of the window's cases under the
// same filters (stage, street, class, overdue), most urgent first: a row opens its marker, a marker
// marks its row. Names are written by map_labels.js; tiles only when a tile URL is configured.
(function () {
  "use strict";
  var dom = window.gridcityDom;
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
    onEachFeature: function (f, layer) { layer.bindTooltip(dom.tip(f.properties.code)); }
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
        html: dom.el("span", null, cluster.getChildCount()),
        className: "case-cluster light-" + worst,
        iconSize: L.point(34, 34)
      });
    }
  }).addTo(map);

  // A window holding more cases than the server sends one by one comes as the server's clusters:
  // a bubble per cell of the window with how many cases it holds, coloured as above; a click
  // zooms to the cell, where fewer cases come one by one.
  var cells = L.layerGroup().addTo(map);
  function showCells(features) {
    features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties, b = p.bbox;
      var bubble = L.marker([c[1], c[0]], {
        pane: "cases",
        icon: L.divIcon({
          html: dom.el("span", null, String(p.count)),
          className: "case-cluster server-cluster light-" + (p.light || "none"),
          iconSize: L.point(40, 40)
        })
      });
      bubble.on("click", function () { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); });
      cells.addLayer(bubble);
    });
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
  var markers = {}, pendingOpen = null, selected = null;
  var rowsBody = document.getElementById("map-list-rows");
  var more = document.getElementById("map-list-more");
  var total = document.getElementById("map-list-total");
  var filters = document.getElementById("map-filters");

  function select(id) {
    selected = String(id);
    Array.prototype.forEach.call(rowsBody ? rowsBody.querySelectorAll("tr.selected") : [], function (tr) {
      tr.classList.remove("selected");
    });
    var row = document.getElementById("map-row-" + id);
    if (row) {
      row.classList.add("selected");
      row.scrollIntoView({ block: "nearest" });
    }
    el.dataset.selected = String(id);
  }
  function openCase(id) {
    var marker = markers[id];
    if (!marker) { return false; }
    cases.zoomToShowLayer(marker, function () { marker.openPopup(); });
    select(id);
    return true;
  }
  function showCases(data) {
    cases.clearLayers();
    cells.clearLayers();
    markers = {};
    el.dataset.clustered = data.clustered ? "1" : "";
    if (data.clustered) {
      showCells(data.features);
      showList(data.list);
      return;
    }
    data.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var marker = L.circleMarker([c[1], c[0]], {
        pane: "cases", radius: 6, color: "#fff", weight: 1, fillOpacity: 0.9, fillColor: colours[p.light] || "#888"
      });
      marker.options.light = p.light;
      marker.bindPopup(function () {
        return dom.lines([dom.el("a", { href: "/cases/" + p.id }, p.number), p.class_name]);
      }, { autoPan: false });
      marker.on("click", function () { select(p.id); });
      markers[p.id] = marker;
      cases.addLayer(marker);
    });
    showList(data.list);
    if (pendingOpen !== null) {
      var id = pendingOpen;
      pendingOpen = null;
      openCase(id);
    }
  }
  function showList(list) {
    if (!rowsBody) { return; }
    rowsBody.textContent = "";
    list.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.id = "map-row-" + r.id;
      tr.dataset.id = String(r.id);
      tr.tabIndex = 0;
      if (String(r.id) === selected) { tr.classList.add("selected"); }
      dom.append(tr, [
        dom.el("td", null, [
          dom.el("span", { className: "light " + (r.light || "none") }), " ",
          dom.el("a", { href: "/cases/" + r.id }, r.number),
          dom.el("span", { className: "sub" }, r.class_name)
        ]),
        dom.el("td", null, [r.street, dom.el("span", { className: "sub" }, r.state_label)]),
        dom.el("td", null, r.deadline)
      ]);
      function go(event) {
        if (event.target.tagName === "A") { return; }
        if (!openCase(r.id)) {
          pendingOpen = r.id;
          map.setView([r.lat, r.lon], Math.max(map.getZoom(), 17));
        }
      }
      tr.addEventListener("click", go);
      tr.addEventListener("keydown", function (event) { if (event.key === "Enter") { go(event); } });
      rowsBody.appendChild(tr);
    });
    total.textContent = list.total_text;
    more.textContent = list.rows.length ? list.more_text : more.dataset.empty;
    el.dataset.listRows = String(list.rows.length);
    el.dataset.listTotal = String(list.total);
  }
  function query() {
    var q = "";
    if (document.getElementById("map-all").checked) { q += "&ended=1"; }
    if (filters) {
      ["queue", "street", "class_code"].forEach(function (name) {
        var v = filters.elements[name].value;
        if (v) { q += "&" + name + "=" + encodeURIComponent(v); }
      });
      if (filters.elements.overdue.checked) { q += "&overdue=1"; }
    }
    return q;
  }
  var asked = 0;
  function refresh() {
    var box = bbox(), began = performance.now(), ticket = ++asked;
    var jobs = [getJSON("/map/cases.json?bbox=" + box + query()).then(function (d) {
      if (ticket === asked) { showCases(d); }
    })];
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
      status.textContent = (cases.getLayers().length + cells.getLayers().length) + " · " + grids.getLayers().length;
    }).catch(function (e) { status.textContent = String(e); });
  }
  if (filters) { filters.addEventListener("change", refresh); }
  if (window.gridcityLabels) { window.gridcityLabels(map, { url: "/map/labels.json", first: el.dataset.scope }); }
  getJSON("/api/v1/boundaries?level=street&parent=" + encodeURIComponent(el.dataset.scope))
    .then(function (d) { streets.addData(d); });
  map.on("moveend", refresh);
  document.getElementById("map-all").addEventListener("change", refresh);
  refresh();
})();
