// The field supervisor's pages on a phone: the report form (photos, the phone's position or a tap
// on the map, a searchable class list), reports kept on the phone when they cannot be delivered
// (IndexedDB) and sent again with the same client key, and the task list sorted by distance.
// Every page also works without this script: the forms post normally.
(function () {
  "use strict";

  var wordsEl = document.getElementById("field-words");
  var WORDS = wordsEl ? JSON.parse(wordsEl.textContent) : {};
  function w(key, vars) {
    var text = WORDS[key] || key;
    Object.keys(vars || {}).forEach(function (k) { text = text.split("{" + k + "}").join(String(vars[k])); });
    return text;
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // --- reports kept on this phone (IndexedDB) ---------------------------------------------
  var DB_NAME = "gridcity-field", STORE = "pending";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("IndexedDB is not available")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var store = req.result.createObjectStore(STORE, { keyPath: "client_key" });
        store.createIndex("user_id", "user_id");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  var Pending = {
    // only this person's reports: a phone may be shared between shifts
    all: function (userId) {
      return withStore("readonly", function (s) { return s.index("user_id").getAll(userId); })
        .then(function (items) { return (items || []).sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; }); });
    },
    put: function (item) { return withStore("readwrite", function (s) { s.put(item); }); },
    remove: function (key) { return withStore("readwrite", function (s) { s["delete"](key); }); }
  };

  // --- sending a report -------------------------------------------------------------------
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function formDataOf(item) {
    var fd = new FormData();
    fd.append("client_key", item.client_key);
    Object.keys(item.fields).forEach(function (k) { fd.append(k, item.fields[k] == null ? "" : item.fields[k]); });
    item.photos.forEach(function (p) { fd.append("photos", p.blob, p.name); });
    return fd;
  }

  // → {kind: "ok" | "refused" | "failed" | "signin", status, body}
  function send(item, csrf) {
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, 90000) : null;
    return fetch("/field/report", {
      method: "POST",
      body: formDataOf(item),
      credentials: "same-origin",
      redirect: "manual",  // an expired sign-in answers with a redirect to /login
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      signal: abort ? abort.signal : undefined
    }).then(function (r) {
      if (r.type === "opaqueredirect" || r.status === 0 || r.status === 401) {
        return { kind: "signin", status: r.status, body: {} };
      }
      var json = (r.headers.get("content-type") || "").indexOf("json") >= 0;
      return (json ? r.json() : r.text().then(function (t) { return { detail: "" }; })).then(function (body) {
        if (r.ok) { return { kind: "ok", status: r.status, body: body }; }
        if (r.status >= 500) { return { kind: "failed", status: r.status, body: body }; }
        if (r.status === 403 && body.reason === "csrf") { return { kind: "signin", status: r.status, body: body }; }
        return { kind: "refused", status: r.status, body: body };
      });
    }, function (e) {
      return { kind: "failed", status: 0, body: { detail: String(e && e.message || e) } };
    }).then(function (res) {
      if (timer) { clearTimeout(timer); }
      return res;
    });
  }

  function successBox(body) {
    var box = el("div", "success");
    box.appendChild(el("p")).appendChild(el("b", "", body.created ? w("field.sent") : w("field.sent_before")));
    var p = el("p");
    p.appendChild(document.createTextNode(w("number") + " "));
    p.appendChild(el("b", "case-number", body.number));
    p.appendChild(document.createTextNode(" · " + body.state_label + " · " + w("field.grid") + " " + (body.grid_code || "—")));
    box.appendChild(p);
    var a = el("a", "", w("field.view_case"));
    a.href = body.url;
    box.appendChild(el("p")).appendChild(a);
    return box;
  }

  // --- the phone's position ---------------------------------------------------------------
  function locateMe(onFix, onFail) {
    if (!navigator.geolocation) { onFail("no GPS"); return; }
    navigator.geolocation.getCurrentPosition(
      function (pos) { onFix(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy); },
      function (err) { onFail(err.message || String(err.code)); },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 }
    );
  }

  // --- photos: large camera pictures are scaled down before they travel -------------------
  var MAX_SIDE = 2560, SHRINK_ABOVE = 1500000;
  function shrink(file) {
    var plain = Promise.resolve({ blob: file, name: file.name || "photo.jpg", type: file.type });
    if (file.size <= SHRINK_ABOVE || !/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return plain;
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
    }).then(function (blob) {
      if (!blob || blob.size >= file.size) { return plain; }
      return { blob: blob, name: (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg", type: "image/jpeg" };
    }, function () { return plain; });
  }

  // === the report page ====================================================================
  function reportPage(root) {
    var form = $("report-form"), result = $("report-result"), sendButton = $("send-report");
    var userId = Number(root.dataset.user), csrf = root.dataset.csrf;
    var photos = [];
    form.classList.add("enhanced");

    // photos
    var previews = $("photo-previews");
    function showPhotos() {
      previews.textContent = "";
      photos.forEach(function (p, i) {
        var fig = el("figure");
        var img = el("img");
        img.src = URL.createObjectURL(p.blob);
        img.alt = p.name;
        var drop = el("button", "", "×");
        drop.type = "button";
        drop.setAttribute("aria-label", w("field.delete") + " " + p.name);
        drop.addEventListener("click", function () { photos.splice(i, 1); showPhotos(); });
        fig.appendChild(img);
        fig.appendChild(drop);
        previews.appendChild(fig);
      });
    }
    ["photo-camera", "photo-gallery"].forEach(function (id) {
      var input = $(id);
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = "";
        Promise.all(files.map(shrink)).then(function (shrunk) {
          photos = photos.concat(shrunk);
          showPhotos();
        });
      });
    });

    // position: GPS or a tap on the map
    var mapEl = $("report-map"), status = $("position-status"), place = $("place");
    var lonInput = $("lon"), latInput = $("lat"), accInput = form.elements.accuracy;
    var map = null, marker = null, circle = null, grids = null, ownGrid = "", tapped = false;
    if (window.L && mapEl) {
      map = L.map(mapEl, { maxZoom: 19, scrollWheelZoom: false });
      window.gridcityFieldMap = map;  // for the browser tests
      var b = (mapEl.dataset.bounds || "").split(",").map(Number);
      if (b.length === 4 && b.every(isFinite)) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); }
      else { map.setView([39.9042, 116.4074], 12); }
      if (mapEl.dataset.tiles) { L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19 }).addTo(map); }
      grids = L.geoJSON(null, {
        style: function (f) {
          var own = f.properties.code === ownGrid;
          return { color: own ? "#d1242f" : "#0b62a4", weight: own ? 3 : 1, opacity: 0.8, fillOpacity: own ? 0.12 : 0.02 };
        },
        onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.code); }
      }).addTo(map);
      map.on("click", function (e) {
        tapped = true;
        setPoint(e.latlng.lat, e.latlng.lng, null, "tap");
      });
      map.on("moveend", loadGrids);
    }
    var gridsFor = "";
    function loadGrids() {
      if (!map || map.getZoom() < 15) { if (grids) { grids.clearLayers(); gridsFor = ""; } return; }
      var s = map.getBounds();
      var box = [s.getWest(), s.getSouth(), s.getEast(), s.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
      if (box === gridsFor) { return; }
      gridsFor = box;
      fetch("/api/v1/grids?layer=city_management&bbox=" + box, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          if (box !== gridsFor) { return; }
          grids.clearLayers();
          grids.addData(data);
          mapEl.dataset.grids = String(grids.getLayers().length);
        }).catch(function () {});
    }
    function setStatus(text, cls) { status.textContent = text; status.className = "field-status " + (cls || ""); }
    function setPoint(lat, lon, accuracy, source) {
      lonInput.value = lon.toFixed(6);
      latInput.value = lat.toFixed(6);
      accInput.value = accuracy == null ? "" : String(Math.round(accuracy));
      if (source === "gps") {
        var m = Math.round(accuracy);
        setStatus(w("field.gps_accuracy", { m: m }) + (m > 100 ? " — " + w("field.gps_poor") : ""), m > 100 ? "warn" : "");
      } else if (source === "tap") {
        setStatus(w("field.tapped"));
      }
      if (map) {
        var ll = [lat, lon];
        if (!marker) {
          marker = L.circleMarker(ll, { radius: 8, color: "#fff", weight: 2, fillColor: "#d1242f", fillOpacity: 1 }).addTo(map);
        } else { marker.setLatLng(ll); }
        if (circle) { map.removeLayer(circle); circle = null; }
        if (source === "gps" && accuracy) {
          circle = L.circle(ll, { radius: accuracy, color: "#0b62a4", weight: 1, fillOpacity: 0.08, interactive: false }).addTo(map);
        }
        if (source !== "tap") { map.setView(ll, Math.max(map.getZoom(), 17)); }
      }
      describePlace(lon, lat);
      nearbyComponents();
    }

    // the component (部件) a report of a component class is about: the nearest of the class
    // around the point unless the supervisor picks another one of the list
    var componentSeq = 0;
    function chosenComponent() {
      var picked = form.querySelector("input[name=component_code]:checked");
      return picked ? picked.value : "";
    }
    function nearbyComponents() {
      var box = $("component-choice"), list = $("component-list"), classSelect = $("class-ref");
      if (!box || !list || !classSelect) { return; }
      var seq = ++componentSeq;
      var parts = classSelect.value.split(":");
      var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
      list.textContent = "";
      box.hidden = true;
      delete box.dataset.loaded;
      if (parts.length < 3 || parts[parts.length - 2] !== "component" || !isFinite(lon) || !isFinite(lat)) { return; }
      var radius = Number(box.dataset.radius || 30);
      fetch("/api/v1/components/nearest?lon=" + lon.toFixed(6) + "&lat=" + lat.toFixed(6) +
            "&class_code=" + encodeURIComponent(parts[parts.length - 1]) + "&radius=" + radius + "&limit=5",
            { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          if (seq !== componentSeq) { return; }  // the point or the class changed meanwhile
          list.textContent = "";
          if (!data.items.length) { list.appendChild(el("p", "muted", w("field.component_none", { m: radius }))); }
          data.items.forEach(function (c, i) {
            var label = el("label"), radio = el("input");
            radio.type = "radio";
            radio.name = "component_code";
            radio.value = c.code;
            radio.checked = i === 0;
            label.appendChild(radio);
            label.appendChild(el("span", "", (c.class_name || c.name) + " " + c.code));
            label.appendChild(el("span", "muted", w("field.component_distance", { m: Math.round(c.distance_m) }) +
              " · " + c.state_label));
            list.appendChild(label);
          });
          box.hidden = false;
          box.dataset.loaded = String(data.items.length);
        }).catch(function () {});
    }
    var placeSeq = 0;
    function describePlace(lon, lat) {
      var seq = ++placeSeq;
      place.textContent = "";
      fetch("/api/v1/locate?lon=" + lon.toFixed(6) + "&lat=" + lat.toFixed(6))
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (seq !== placeSeq) { return; }
          if (!d) {
            place.textContent = w("field.outside_city_now");
            place.className = "place field-status bad";
            ownGrid = "";
          } else {
            var parts = [d.street && d.street.name, d.community && d.community.name].filter(Boolean);
            ownGrid = (d.grids && d.grids.city_management) || "";
            if (ownGrid) { parts.push(w("field.grid") + " " + ownGrid); }
            place.textContent = parts.join(" · ");
            place.className = "place";
          }
          if (grids) { grids.setStyle(grids.options.style); }
          mapEl.dataset.located = "1";
        }).catch(function () {});
    }
    function useGps(auto) {
      setStatus(w("field.locating"));
      locateMe(function (lat, lon, acc) {
        if (auto && tapped) { return; }  // the person already chose the point by hand
        setPoint(lat, lon, acc, "gps");
      }, function (why) {
        setStatus(w("field.gps_failed", { error: why }), "warn");
      });
    }
    $("use-gps").addEventListener("click", function () { tapped = false; useGps(false); });
    [lonInput, latInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
        if (isFinite(lon) && isFinite(lat)) { tapped = true; setPoint(lat, lon, null, "manual"); setStatus(""); }
      });
    });
    if (lonInput.value && latInput.value) {
      setPoint(parseFloat(latInput.value), parseFloat(lonInput.value), null, "manual");
    } else {
      useGps(true);
    }

    // the class: search, with the recently used classes as quick choices
    var select = $("class-ref"), search = $("class-search"), results = $("class-results");
    var seen = {}, options = [];
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value || seen[o.value]) { return; }
      seen[o.value] = true;
      var group = o.parentNode.tagName === "OPTGROUP" ? o.parentNode : null;
      options.push({ value: o.value, text: o.textContent.trim(), group: group ? group.label : "", recent: !!(group && group.dataset.recent) });
    });
    search.hidden = false;
    function choose(value) {
      select.value = value;
      search.value = "";
      showChoices();
      nearbyComponents();
    }
    function button(o, withGroup) {
      var li = el("li"), b = el("button", o.value === select.value ? "chosen" : "");
      b.type = "button";
      b.dataset.value = o.value;
      b.appendChild(document.createTextNode(o.text));
      if (withGroup) { b.appendChild(el("span", "muted", " · " + o.group)); }
      b.addEventListener("click", function () { choose(o.value); });
      li.appendChild(b);
      return li;
    }
    function showChoices() {
      var q = search.value.trim().toLowerCase();
      results.textContent = "";
      if (!q) {
        var recent = options.filter(function (o) { return o.recent; });
        results.className = "class-results chips";
        recent.forEach(function (o) { results.appendChild(button(o, false)); });
        results.hidden = recent.length === 0;
        return;
      }
      results.className = "class-results";
      var found = options.filter(function (o) {
        return (o.text + " " + o.value + " " + o.group).toLowerCase().indexOf(q) >= 0;
      }).slice(0, 40);
      found.forEach(function (o) { results.appendChild(button(o, true)); });
      if (!found.length) { results.appendChild(el("li", "muted", w("field.no_match"))); }
      results.hidden = false;
    }
    search.addEventListener("input", showChoices);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {  // Enter picks the first match instead of sending the form
        e.preventDefault();
        var first = results.querySelector("button");
        if (first) { choose(first.dataset.value); }
      }
    });
    select.addEventListener("change", showChoices);
    select.addEventListener("change", nearbyComponents);
    showChoices();

    // sending
    var keyInput = form.elements.client_key;
    function problem(text) {
      result.textContent = "";
      var p = el("p", "error", text);
      p.setAttribute("role", "alert");
      result.appendChild(p);
      result.scrollIntoView({ block: "start" });
    }
    function startOver() {
      keyInput.value = newKey();
      photos = [];
      showPhotos();
      form.elements.description.value = "";
      select.value = "";
      showChoices();
      nearbyComponents();
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!photos.length) { problem(w("field.err.no_photo")); return; }
      if (photos.length > Number(form.dataset.maxPhotos || 9)) {
        problem(w("field.err.too_many_photos", { limit: form.dataset.maxPhotos || 9 }));
        return;
      }
      if (!lonInput.value || !latInput.value) { problem(w("field.err.no_position")); return; }
      if (!select.value) { problem(w("field.err.no_class")); return; }
      var chosen = select.options[select.selectedIndex];
      var item = {
        client_key: keyInput.value || newKey(),
        user_id: userId,
        saved_at: new Date().toISOString(),
        class_label: chosen ? chosen.textContent.trim() : select.value,
        fields: {
          class_ref: select.value,
          lon: lonInput.value,
          lat: latInput.value,
          accuracy: accInput.value,
          description: form.elements.description.value,
          component_code: chosenComponent()
        },
        photos: photos.slice()
      };
      keyInput.value = item.client_key;
      sendButton.disabled = true;
      sendButton.textContent = w("field.sending");
      send(item, csrf).then(function (res) {
        if (res.kind === "ok") {
          result.textContent = "";
          result.appendChild(successBox(res.body));
          startOver();
        } else if (res.kind === "refused") {
          problem(res.body.detail || String(res.status));  // the person fixes it and sends again
        } else {
          item.last_error = res.kind === "signin" ? w("field.session_expired") : "";
          return Pending.put(item).then(function () {
            result.textContent = "";
            var box = el("div", "queued");
            var msg = res.kind === "signin" ? w("field.session_expired")
              : res.status >= 500 ? w("field.server_failed") : w("field.queued");
            box.appendChild(el("p", "", msg));
            var a = el("a", "", "← " + w("field.resend"));
            a.href = "/field";
            box.appendChild(el("p")).appendChild(a);
            result.appendChild(box);
            startOver();
          }, function (err) { problem(w("field.queued") + " — " + err); });
        }
      }).then(function () {
        sendButton.disabled = false;
        sendButton.textContent = sendButton.dataset.label;
        result.scrollIntoView({ block: "start" });
      });
    });
    sendButton.dataset.label = sendButton.textContent;
  }

  // === the home page: reports waiting on this phone ======================================
  function homePage(root) {
    var list = $("pending-list"), count = $("pending-count"), status = $("pending-status");
    var template = $("pending-item");
    var userId = Number(root.dataset.user), csrf = root.dataset.csrf;

    function render() {
      return Pending.all(userId).then(function (items) {
        list.textContent = "";
        count.textContent = items.length ? String(items.length) : "";
        if (!items.length) { list.appendChild(el("li", "muted", w("field.pending_none"))); }
        items.forEach(function (item) { list.appendChild(row(item)); });
        root.dataset.pending = String(items.length);
      }, function (err) {
        list.textContent = "";
        list.appendChild(el("li", "error", String(err)));
      });
    }
    function row(item) {
      var li = template.content.firstElementChild.cloneNode(true);
      li.dataset.key = item.client_key;
      li.querySelector(".pending-class").textContent = item.class_label || item.fields.class_ref;
      li.querySelector(".pending-desc").textContent = item.fields.description || "";
      li.querySelector(".pending-when").textContent = w("field.saved_at") + " " + new Date(item.saved_at).toLocaleString();
      li.querySelector(".pending-photos").textContent = w("field.photos_n", { n: item.photos.length });
      var error = li.querySelector(".pending-error");
      if (item.last_error) { error.textContent = item.last_error; error.hidden = false; }
      var resend = li.querySelector(".resend"), remove = li.querySelector(".delete");
      resend.addEventListener("click", function () {
        resend.disabled = remove.disabled = true;
        resend.textContent = w("field.sending");
        status.textContent = "";
        send(item, csrf).then(function (res) {
          if (res.kind === "ok") {
            return Pending.remove(item.client_key).then(function () {
              status.textContent = "";
              status.appendChild(successBox(res.body));
              return render();
            });
          }
          item.last_error = res.kind === "signin" ? w("field.session_expired")
            : res.kind === "refused" ? (res.body.detail || String(res.status))
            : res.status >= 500 ? w("field.server_failed") : w("field.queued");
          return Pending.put(item).then(render);
        });
      });
      remove.addEventListener("click", function () {
        if (!window.confirm(w("field.delete_confirm"))) { return; }
        Pending.remove(item.client_key).then(render);
      });
      return li;
    }
    render();
  }

  // === the task list: nearest first once the phone knows where it is =====================
  function tasksPage() {
    var status = $("position-status"), rows = $("task-rows");
    if (!rows || rows.dataset.located || !navigator.geolocation) { return; }
    status.textContent = w("field.locating");
    locateMe(function (lat, lon, acc) {
      status.textContent = w("field.gps_accuracy", { m: Math.round(acc) });
      fetch("/field/tasks?fragment=1&lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
        .then(function (html) { $("task-rows").outerHTML = html; })
        .catch(function (e) { status.textContent = String(e); });
    }, function (why) {
      status.textContent = w("field.no_gps", { error: why });
    });
  }

  var root;
  if ((root = $("field-report"))) { reportPage(root); }
  if ((root = $("field-home"))) { homePage(root); }
  if ($("field-tasks")) { tasksPage(); }
})();
