// The patrol track (巡查轨迹): while the supervisor is on duty, the phone's positions are collected
// (navigator.geolocation.watchPosition) and sent in batches to /field/patrol — when a batch is full
// or every minute; positions not yet delivered wait in localStorage (a reload or a dead zone loses
// nothing; the server stores a re-sent point once). Going off duty sends what is left first.
(function () {
  "use strict";
  var card = document.getElementById("patrol");
  if (!card) { return; }
  var words = JSON.parse((document.getElementById("field-words") || { textContent: "{}" }).textContent);
  var status = document.getElementById("patrol-status");
  var form = document.getElementById("duty-form");
  var onDuty = card.dataset.onDuty === "1";
  var since = card.dataset.since ? Date.parse(card.dataset.since) : 0;  // a cached older fix is not of this duty
  var batchSize = Number(card.dataset.batch) || 20;
  var KEY = "gridcity.patrol." + (document.getElementById("field-home") || card).dataset.user;
  var MIN_GAP_MS = 15000;  // at most one point every 15 s: enough to see the grids walked through
  var sent = 0;
  var sending = null;

  function say(key, n) {
    status.textContent = (words[key] || key).replace("{n}", String(n));
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(points) {
    try { localStorage.setItem(KEY, JSON.stringify(points)); } catch (e) { /* full: keep them in memory */ }
  }
  var waiting = load();

  function flush() {
    if (sending || !waiting.length) { return sending || Promise.resolve(); }
    var batch = waiting.slice(0, 500);
    sending = fetch("/field/patrol", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": card.dataset.csrf },
      body: JSON.stringify({ points: batch })
    }).then(function (r) {
      if (r.ok || r.status === 422) {  // 422: a batch the server will never take; drop it, say why
        waiting = waiting.slice(batch.length);
        save(waiting);
        return r.json().then(function (d) {
          if (!r.ok) { status.textContent = d.detail; return; }
          sent += d.stored || 0;
          say("field.track_sent", sent);
        });
      }
      say("field.track_waiting", waiting.length);
    }).catch(function () {
      say("field.track_waiting", waiting.length);
    }).then(function () { sending = null; });
    return sending;
  }

  function add(position) {
    var at = new Date(position.timestamp || Date.now());
    var last = waiting.length ? Date.parse(waiting[waiting.length - 1].at) : 0;
    if (at.getTime() < since || at.getTime() - last < MIN_GAP_MS) { return; }
    waiting.push({
      at: at.toISOString(),
      lon: position.coords.longitude,
      lat: position.coords.latitude,
      accuracy_m: position.coords.accuracy
    });
    save(waiting);
    card.dataset.waiting = String(waiting.length);
    if (waiting.length >= batchSize) { flush(); } else { say("field.track_waiting", waiting.length); }
  }

  window.gridcityPatrol = { add: add, flush: flush, waiting: function () { return waiting.length; } };  // tests
  if (waiting.length) { flush(); }
  if (onDuty && navigator.geolocation) {
    navigator.geolocation.watchPosition(add, function (e) {
      status.textContent = (words["field.track_no_gps"] || "").replace("{error}", e.message);
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
    setInterval(flush, 60000);
  }
  if (form) {
    form.addEventListener("submit", function (e) {
      if (!onDuty || !waiting.length) { return; }
      e.preventDefault();  // off duty: deliver the track first
      flush().then(function () { form.submit(); });
    });
  }
})();
