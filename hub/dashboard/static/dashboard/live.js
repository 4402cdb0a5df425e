// Live pages: when the server says what this page shows changed, re-fetch the page and swap its <main>.
// Server-sent events first (/live/stream/); when the stream is refused (503: the process holds as many as
// it may) or no "ready" event arrives in time (a proxy that buffers), short polling with a cursor instead.
(function () {
  "use strict";
  var marker = document.getElementById("live");
  if (!marker || window.orchestrateLive) { return; }
  window.orchestrateLive = true;
  var root = document.documentElement;
  var cursor = marker.getAttribute("data-live-cursor") || "0";
  var streamUrl = marker.getAttribute("data-live-stream");
  var pollUrl = marker.getAttribute("data-live-poll");
  var READY_WITHIN = 3000, POLL_EVERY = 1000;
  var fetching = false, again = false, refreshes = 0, edited = false;

  // What the reader typed or chose is never thrown away: once a field of the page is edited, the page
  // stops swapping itself (submitting the form loads the new page anyway).
  document.addEventListener("input", function (event) {
    if (event.target && event.target.closest && event.target.closest("main")) { edited = true; }
  }, true);
  document.addEventListener("change", function (event) {
    if (event.target && event.target.closest && event.target.closest("main")) { edited = true; }
  }, true);

  function busy() {
    var active = document.activeElement;
    return active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.closest("main");
  }

  function refresh() {
    if (edited) { return; }
    if (fetching) { again = true; return; }
    if (busy()) { setTimeout(refresh, POLL_EVERY); return; }
    fetching = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (fresh && main && !edited && !busy()) {
          // What the last action said (its message) is shown once, by the page it led to: keep it.
          var said = main.querySelector(":scope > .messages");
          main.innerHTML = fresh.innerHTML;
          if (said && !main.querySelector(":scope > .messages")) { main.insertBefore(said, main.firstChild); }
          if (window.orchestrateLocalise) { window.orchestrateLocalise(main); }
          refreshes += 1;
          root.setAttribute("data-live-refreshes", String(refreshes));
        }
      })
      .catch(function () { /* the next change or poll tries again */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  function poll() {
    root.setAttribute("data-live-mode", "poll");
    fetch(pollUrl + "&after=" + encodeURIComponent(cursor), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (answer) {
          cursor = String(answer.cursor);
          if (answer.changed) { refresh(); }
        }
      })
      .catch(function () { /* try again at the next tick */ })
      .then(function () { setTimeout(poll, POLL_EVERY); });
  }

  function stream() {
    if (typeof EventSource !== "function") { poll(); return; }
    var source = new EventSource(streamUrl + "&after=" + encodeURIComponent(cursor));
    var ready = false;
    var fallback = setTimeout(function () {
      if (!ready) { source.close(); poll(); }
    }, READY_WITHIN);
    source.addEventListener("ready", function (event) {
      ready = true;
      cursor = event.data;
      root.setAttribute("data-live-mode", "stream");
    });
    source.addEventListener("change", function (event) {
      cursor = event.data;
      refresh();
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) { clearTimeout(fallback); poll(); }
    });
  }

  stream();
})();
