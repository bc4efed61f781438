/* Security key / badge ceremonies (WebAuthn) for the sign-in pages. The server sends the options as
   JSON (base64url fields); the browser's answer goes back as JSON with the CSRF token header. */
(function () {
  "use strict";
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }
  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function postJson(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(data || {})
    });
  }
  function showError(button, message) {
    var box = document.getElementById("key-error");
    if (box) { box.textContent = message || button.getAttribute("data-failed"); box.hidden = false; box.focus(); }
  }
  function finish(button, response) {
    return response.json().then(function (body) {
      if (response.ok && body.redirect) { window.location.assign(body.redirect); return; }
      showError(button, body.error);
    });
  }
  function descriptors(list) {
    return (list || []).map(function (item) { return { type: item.type, id: toBytes(item.id), transports: item.transports }; });
  }

  var signIn = document.getElementById("use-key");
  if (signIn) {
    signIn.addEventListener("click", function () {
      postJson(signIn.getAttribute("data-options-url")).then(function (r) { return r.json(); }).then(function (options) {
        options.challenge = toBytes(options.challenge);
        options.allowCredentials = descriptors(options.allowCredentials);
        return navigator.credentials.get({ publicKey: options });
      }).then(function (credential) {
        return postJson(signIn.getAttribute("data-verify-url"), {
          id: credential.id, rawId: toText(credential.rawId), type: credential.type,
          response: {
            clientDataJSON: toText(credential.response.clientDataJSON),
            authenticatorData: toText(credential.response.authenticatorData),
            signature: toText(credential.response.signature),
            userHandle: credential.response.userHandle ? toText(credential.response.userHandle) : null
          },
          clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
        });
      }).then(function (response) { return finish(signIn, response); }).catch(function () { showError(signIn); });
    });
  }

  var register = document.getElementById("register-key");
  if (register) {
    register.addEventListener("click", function () {
      postJson(register.getAttribute("data-options-url")).then(function (r) { return r.json(); }).then(function (options) {
        options.challenge = toBytes(options.challenge);
        options.user.id = toBytes(options.user.id);
        options.excludeCredentials = descriptors(options.excludeCredentials);
        return navigator.credentials.create({ publicKey: options });
      }).then(function (credential) {
        return postJson(register.getAttribute("data-verify-url"), {
          credential: {
            id: credential.id, rawId: toText(credential.rawId), type: credential.type,
            response: {
              clientDataJSON: toText(credential.response.clientDataJSON),
              attestationObject: toText(credential.response.attestationObject),
              transports: credential.response.getTransports ? credential.response.getTransports() : []
            },
            clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
          }
        });
      }).then(function (response) { return finish(register, response); }).catch(function () { showError(register); });
    });
  }
}());
