// The public report form: tap the place on the map (or use the phone's position), find the class
// by typing, preview the photos, and keep the citizen from sending the form twice. Without
// JavaScript the form still works: coordinates can be typed and the class picked from the list.
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  var form = document.getElementById("report-form");
  var lonInput = document.getElementById("lon");
  var latInput = document.getElementById("lat");
  var status = document.getElementById("place-status");
  var b = el.dataset.bounds.split(",").map(Number);
  var map = L.map(el, { maxZoom: 19 }).fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  window.gridcityReportMap = map;  // for the browser tests
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " → " + r.status); }
      return r.json();
    });
  }
  window.gridcityPortalBase(map).then(function () { el.dataset.ready = "1"; });

  // --- the chosen place -----------------------------------------------------------------------
  var marker = null;
  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "bad" : "";
  }
  function pick(lat, lon) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    if (marker) { marker.setLatLng([lat, lon]); } else {
      marker = L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 3, fillColor: "#d1242f", fillOpacity: 1 }).addTo(map);
    }
    el.dataset.picked = "";
    getJSON("/portal/locate.json?lon=" + lon.toFixed(6) + "&lat=" + lat.toFixed(6)).then(function (d) {
      say(d.names.join(" · ") + "（" + lon.toFixed(5) + ", " + lat.toFixed(5) + "）", false);
      el.dataset.picked = "inside";
    }).catch(function () {
      say(el.dataset.outside, true);
      el.dataset.picked = "outside";
    });
  }
  map.on("click", function (e) { pick(e.latlng.lat, e.latlng.lng); });
  function typed() {
    var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
    if (isFinite(lon) && isFinite(lat)) {
      pick(lat, lon);
      map.setView([lat, lon], Math.max(map.getZoom(), 16));
    }
  }
  lonInput.addEventListener("change", typed);
  latInput.addEventListener("change", typed);
  if (lonInput.value && latInput.value) { typed(); }

  var gps = document.getElementById("gps");
  if (!navigator.geolocation) { gps.hidden = true; }
  gps.addEventListener("click", function () {
    say(el.dataset.busy, false);
    navigator.geolocation.getCurrentPosition(function (pos) {
      pick(pos.coords.latitude, pos.coords.longitude);
      map.setView([pos.coords.latitude, pos.coords.longitude], 17);
    }, function () {
      say(el.dataset.gpsFailed, true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // --- the class: type to narrow the list --------------------------------------------------------
  var select = document.getElementById("class-select");
  var search = document.getElementById("class-search");
  var placeholder = select.options[0].cloneNode(true);
  var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (g) {
    return {
      label: g.label,
      options: Array.prototype.map.call(g.children, function (o) { return { value: o.value, text: o.textContent }; })
    };
  });
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    var current = select.value, matches = [];
    select.textContent = "";
    select.appendChild(placeholder.cloneNode(true));
    groups.forEach(function (g) {
      var inGroup = g.label.toLowerCase().indexOf(q) >= 0;
      var hits = g.options.filter(function (o) { return !q || inGroup || o.text.toLowerCase().indexOf(q) >= 0; });
      if (!hits.length) { return; }
      var og = document.createElement("optgroup");
      og.label = g.label;
      hits.forEach(function (o) {
        var opt = new Option(o.text, o.value, false, o.value === current);
        og.appendChild(opt);
        matches.push(o.value);
      });
      select.appendChild(og);
    });
    if (matches.length === 1) { select.value = matches[0]; }
    select.options[0].textContent = matches.length ? placeholder.textContent : search.dataset.none;
  });

  // --- contact: only asked for when the citizen wants a call back -------------------------------
  var contactFields = document.getElementById("contact-fields");
  function contactMode() {
    var named = form.querySelector("input[name=contact][value=named]");
    if (!named || !contactFields) { return; }
    contactFields.hidden = !named.checked;
    contactFields.querySelectorAll("input").forEach(function (i) { i.required = named.checked; });
  }
  form.querySelectorAll("input[name=contact]").forEach(function (r) { r.addEventListener("change", contactMode); });
  contactMode();

  // --- photos: small previews ------------------------------------------------------------------
  var previews = document.getElementById("photo-previews");
  var inputs = form.querySelectorAll("input[type=file][name=photos]");
  function showPhotos() {
    previews.textContent = "";
    inputs.forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (f) {
        var img = document.createElement("img");
        img.alt = f.name;
        img.src = URL.createObjectURL(f);
        previews.appendChild(img);
      });
    });
  }
  inputs.forEach(function (input) { input.addEventListener("change", showPhotos); });

  // --- sending: a place is needed, and one tap sends once -----------------------------------------
  var send = document.getElementById("send");
  form.addEventListener("submit", function (e) {
    if (!lonInput.value || !latInput.value) {
      e.preventDefault();
      say(el.dataset.missing, true);
      el.scrollIntoView({ behavior: "smooth", block: "center" });
      return;
    }
    send.disabled = true;
    send.textContent = send.dataset.busy;
  });
  window.addEventListener("pageshow", function () { send.disabled = false; });
})();
