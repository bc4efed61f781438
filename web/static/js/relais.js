/* Relais platform script (served from /static; the CSP forbids inline script).
   - Inactivity lock: after the configured time without a touch or key, the page locks. A form that
     was being typed is posted to the lock endpoint, which keeps it sealed until the PIN is given.
   - fetch helper: window.relais.post(url, data) sends the CSRF token header. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var body = document.body;
  var lockSeconds = parseInt(body.getAttribute("data-lock-seconds") || "0", 10);
  var lockUrl = body.getAttribute("data-lock-url");
  var dirtyForm = null;
  var timer = null;

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(data || {})
    });
  }
  window.relais = { post: post, csrfToken: token };

  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (form && (form.method || "").toLowerCase() === "post" && !form.hasAttribute("data-no-keep")) {
      dirtyForm = form;
    }
  }, true);

  function lockNow() {
    if (!lockUrl) { return; }
    var out = document.createElement("form");
    out.method = "post";
    out.action = lockUrl;
    out.hidden = true;
    function add(name, value) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      out.appendChild(input);
    }
    add("csrf_token", token);
    add("_kept_page", window.location.pathname + window.location.search);
    if (dirtyForm) {
      new FormData(dirtyForm).forEach(function (value, name) {
        if (name !== "csrf_token" && typeof value === "string") { add(name, value); }
      });
      add("_kept_action", dirtyForm.getAttribute("action") || window.location.pathname);
    }
    document.body.appendChild(out);
    out.submit();
  }

  function arm() {
    if (!lockSeconds) { return; }
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(lockNow, lockSeconds * 1000);
  }
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true, capture: true });
  });
  arm();

  /* Confirmation buttons: <button data-confirm="Texte ?"> asks before submitting. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
}());
