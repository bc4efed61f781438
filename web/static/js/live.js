/* Live updates (served from /static; no inline script). Polls GET /api/changes?since=<cursor>
   about every second. When something new concerns the open page, the page is fetched again and
   each [data-live-region] is replaced in place, unless the person is typing in it (then a button
   offers to refresh). New alerts are announced in the polite live region #live-announce.
   The page fetch sends X-Relais-Live so that it does not count as activity. */
(function () {
  "use strict";
  var root = document.getElementById("live-root");
  if (!root || !window.fetch || !window.DOMParser) { return; }
  var url = root.getAttribute("data-live-url");
  var cursor = root.getAttribute("data-cursor");
  var scope = root.getAttribute("data-scope");
  var residentId = root.getAttribute("data-resident-id");
  var announce = document.getElementById("live-announce");
  var INTERVAL_MS = 1000;
  var MAX_BACKOFF_MS = 15000;
  var delay = INTERVAL_MS;
  var stopped = false;
  var lastOpen = null;
  var dirty = false;

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-live-region]")) { dirty = true; }
  }, true);

  function concerns(data) {
    var i;
    if (scope === "resident") {
      for (i = 0; i < data.observations.length; i += 1) {
        if (data.observations[i].resident_id === residentId) { return true; }
      }
      for (i = 0; i < data.alerts.length; i += 1) {
        if (data.alerts[i].resident_id === residentId) { return true; }
      }
      return false;
    }
    if (scope === "alerts") {
      return data.alerts.length > 0 || (lastOpen !== null && data.open_alerts !== lastOpen);
    }
    return data.observations.length > 0 || data.alerts.length > 0 ||
      (lastOpen !== null && data.open_alerts !== lastOpen);
  }

  function say(text) {
    if (!announce || !text) { return; }
    announce.textContent = "";
    window.setTimeout(function () { announce.textContent = text; }, 50);
  }

  function offerRefresh() {
    if (document.getElementById("live-refresh")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.id = "live-refresh";
    button.className = "button secondary live-refresh";
    button.textContent = root.getAttribute("data-refresh-label") || "Nouvelles données : actualiser";
    button.addEventListener("click", function () { window.location.reload(); });
    var main = document.getElementById("main");
    if (main) { main.insertBefore(button, main.firstChild); }
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var regions = document.querySelectorAll("[data-live-region]");
    var i, region, replacement, active;
    for (i = 0; i < regions.length; i += 1) {
      region = regions[i];
      replacement = fresh.getElementById(region.id);
      if (!replacement) { continue; }
      active = document.activeElement;
      if (dirty || (active && active !== document.body && region.contains(active) &&
          (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT"))) {
        offerRefresh();
        continue;
      }
      region.innerHTML = replacement.innerHTML;
    }
  }

  function refresh() {
    return fetch(window.location.href, {
      credentials: "same-origin", cache: "no-store", headers: { "X-Relais-Live": "1" }
    }).then(function (response) {
      return response.ok && !response.redirected ? response.text() : null;
    }).then(function (html) { if (html) { swap(html); } });
  }

  function schedule() {
    if (!stopped) { window.setTimeout(poll, delay); }
  }

  function poll() {
    fetch(url + "?since=" + encodeURIComponent(cursor), {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) { stopped = true; return null; }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (!data) { return null; }
      delay = INTERVAL_MS;
      cursor = data.cursor;
      root.setAttribute("data-cursor", cursor);
      var mine = data.alerts.filter(function (alert) {
        return scope !== "resident" || alert.resident_id === residentId;
      });
      if (mine.length) { say(mine.map(function (alert) { return alert.label; }).join(" · ")); }
      var changed = concerns(data);
      lastOpen = data.open_alerts;
      return changed ? refresh() : null;
    }).catch(function () {
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }).then(schedule);
  }

  schedule();
}());
