// The maps' search box: a street, a community, a unit grid by code, a case by number and (on the
// console) the registry's places and addresses. Typing asks the server (one request per pause);
// ↑/↓ choose, Enter goes there, Esc closes. Going there flies the map to the place and outlines it.
(function () {
  "use strict";
  var input = document.getElementById("map-search");
  var list = document.getElementById("map-search-list");
  var map = window.gridcityMap || window.gridcityPublicMap;
  if (!input || !list || !map) { return; }
  var items = [], active = -1, timer = null, asked = 0, goFirst = false;
  var outline = L.layerGroup().addTo(map);
  var container = map.getContainer();

  function option(item, i) {
    var li = document.createElement("li");
    li.id = "map-search-option-" + i;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    var kind = document.createElement("span");
    kind.className = "map-search-kind";
    kind.textContent = item.kind_label;
    var name = document.createElement("strong");
    name.textContent = item.name;
    var detail = document.createElement("span");
    detail.className = "map-search-detail";
    detail.textContent = item.detail;
    li.appendChild(kind);
    li.appendChild(name);
    if (item.detail) { li.appendChild(detail); }
    li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
    return li;
  }
  function show(found) {
    items = found;
    active = found.length ? 0 : -1;
    list.textContent = "";
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "empty";
      none.textContent = input.dataset.none;
      list.appendChild(none);
    }
    found.forEach(function (item, i) { list.appendChild(option(item, i)); });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    mark();
  }
  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function mark() {
    Array.prototype.forEach.call(list.querySelectorAll("[role=option]"), function (li, i) {
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      if (i === active) { li.scrollIntoView({ block: "nearest" }); }
    });
    if (active >= 0) { input.setAttribute("aria-activedescendant", "map-search-option-" + active); }
  }
  function popup(item) {
    var box = document.createElement("div");
    var title = document.createElement(item.url ? "a" : "strong");
    if (item.url) { title.href = item.url; }
    title.textContent = item.name;
    box.appendChild(title);
    var detail = document.createElement("div");
    detail.textContent = item.kind_label + (item.detail ? " · " + item.detail : "");
    box.appendChild(detail);
    return box;
  }
  function choose(i) {
    var item = items[i];
    if (!item) { return; }
    close();
    input.value = item.name;
    outline.clearLayers();
    var style = { color: "#d1242f", weight: 3, opacity: 0.95, fillColor: "#d1242f", fillOpacity: 0.08 };
    var target;
    if (item.outline) {
      var shape = L.geoJSON(item.outline, { style: style, interactive: false }).addTo(outline);
      target = shape.getBounds();
    }
    var point = L.circleMarker([item.lat, item.lon], {
      radius: 9, color: "#d1242f", weight: 3, fillColor: "#fff", fillOpacity: 0.6, className: "map-search-found"
    }).bindPopup(popup(item), { autoPan: false }).addTo(outline);
    container.dataset.found = item.kind + ":" + item.key;
    var done = function () {
      point.openPopup();
      container.dataset.searchMoves = String(Number(container.dataset.searchMoves || 0) + 1);
    };
    map.once("moveend", done);
    if (target && target.isValid()) {
      map.flyToBounds(target, { maxZoom: item.kind === "grid" ? 18 : 17, duration: 0.6, padding: [20, 20] });
    } else {
      map.flyTo([item.lat, item.lon], Math.max(map.getZoom(), 18), { duration: 0.6 });
    }
  }
  function ask() {
    timer = null;
    var text = input.value.trim();
    if (!text) { close(); return; }
    var ticket = ++asked;
    fetch(input.dataset.url + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) {
        if (ticket !== asked) { return; }
        show(data.items);
        if (goFirst && data.items.length) { choose(0); }
        goFirst = false;
      });
  }
  input.addEventListener("input", function () {
    goFirst = false;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, 200);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { ask(); return; }
      if (!items.length) { return; }
      active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      mark();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!list.hidden && active >= 0 && items.length) { choose(active); return; }
      if (timer) { clearTimeout(timer); timer = null; }
      goFirst = true;  // Enter before the answer came: go to the best hit when it comes
      ask();
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
