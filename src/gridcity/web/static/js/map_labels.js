// Names on the maps without a tile server: district, street and community names and unit-grid
// codes, written at each unit's representative point (inside the polygon, from the server) at
// the zooms where that level reads well, and only where the name fits inside its unit. Only the
// labels of the window are asked for, once per pause in moving the map.
(function () {
  "use strict";
  // the zooms at which each level writes its names
  var ZOOMS = { district: [0, 11], street: [12, 14], community: [15, 16], grid: [17, 99] };
  var CHAR_PX = { district: 15, street: 13, community: 12, grid: 7 };  // width of one character

  window.gridcityLabels = function (map, options) {
    options = options || {};
    var url = options.url || "/map/labels.json";
    var zooms = options.zooms || ZOOMS;
    var el = map.getContainer();
    if (!map.getPane("labels")) {
      map.createPane("labels");
      map.getPane("labels").style.zIndex = 440;  // above outlines and grids, below every marker
      map.getPane("labels").style.pointerEvents = "none";
    }
    var layer = L.layerGroup().addTo(map);
    var timer = null, asked = 0;

    function levelsAt(z) {
      return Object.keys(zooms).filter(function (level) { return z >= zooms[level][0] && z <= zooms[level][1]; });
    }
    function fits(label, level, z) {
      var perDegree = 256 * Math.pow(2, z) / 360;
      var width = label.w * perDegree;
      var height = label.h * perDegree / Math.cos(label.lat * Math.PI / 180);
      return width >= 0.8 * label.name.length * CHAR_PX[level] && height >= 12;
    }
    // a name is left out where it would cover one already written (the server sends the largest
    // units first, so the bigger unit keeps its name)
    function free(label, level, placed) {
      var at = map.latLngToContainerPoint([label.lat, label.lon]);
      var w = label.name.length * CHAR_PX[level] / 2 + 2, h = 9;
      var box = [at.x - w, at.y - h, at.x + w, at.y + h];
      for (var i = 0; i < placed.length; i++) {
        var o = placed[i];
        if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) { return false; }
      }
      placed.push(box);
      return true;
    }
    // the person's own area first (options.first: a territory code prefix), then the largest units
    function ownFirst(labels) {
      var prefix = options.first || "";
      if (!prefix) { return labels; }
      var own = labels.filter(function (l) { return l.code.indexOf(prefix) === 0; });
      return own.concat(labels.filter(function (l) { return l.code.indexOf(prefix) !== 0; }));
    }
    function draw(level, data, z, placed) {
      var shown = 0;
      ownFirst(data.labels).forEach(function (label) {
        if (!fits(label, level, z) || !free(label, level, placed)) { return; }
        var text = document.createElement("span");
        text.textContent = label.name;
        layer.addLayer(L.marker([label.lat, label.lon], {
          pane: "labels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "map-label map-label-" + level, html: text, iconSize: null })
        }));
        shown += 1;
      });
      return shown;
    }
    function load() {
      timer = null;
      var ticket = ++asked, z = map.getZoom();
      var s = map.getBounds().pad(0.1);
      var box = [s.getWest(), s.getSouth(), s.getEast(), s.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
      var jobs = levelsAt(z).map(function (level) {
        return fetch(url + "?level=" + level + "&bbox=" + box, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { labels: [] }; })
          .then(function (data) { return [level, data]; });
      });
      Promise.all(jobs).then(function (results) {
        if (ticket !== asked) { return; }  // the map moved on meanwhile
        layer.clearLayers();
        var shown = 0, placed = [];
        results.forEach(function (pair) { shown += draw(pair[0], pair[1], z, placed); });
        el.dataset.labels = String(shown);
        el.dataset.labelDraws = String(Number(el.dataset.labelDraws || 0) + 1);
      }).catch(function () { /* names are a help, not the map: keep the last ones */ });
    }
    map.on("moveend", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(load, 200);
    });
    load();
    return layer;
  };
})();
