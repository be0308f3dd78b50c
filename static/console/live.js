/* Live console: listens to /admin/stream (Server-Sent Events) and
 * - shows a toast when a notification fails (and when a webhook endpoint is disabled);
 * - re-fetches the current page and swaps in every element marked data-live-refresh="<patterns>"
 *   (space-separated event types, "*" wildcards: "notification.* sync.failed") when a matching
 *   event arrives; the element needs an id;
 * - where an element carries data-live-customer="<customer id>", only events for that customer count;
 * - on pages with no such element, shows a "Nueva actividad — recargar" badge instead;
 * - on message.* events (customer replies), refreshes the Respuestas count in the menu.
 * The server answers 204 when live updates are unavailable (no Redis): EventSource then stops.
 * Documented in docs/INTEGRATIONS.md. */
(function () {
  "use strict";
  if (!window.EventSource || window.AvisosLive) { return; }
  var live = window.AvisosLive = { received: [], connected: false };
  var REFRESH_DELAY_MS = 400;
  // A customer's reply should show within a second: a short wait still merges a burst of events.
  var REPLY_REFRESH_DELAY_MS = 100;
  var pending = null;

  function matches(pattern, type) {
    if (pattern === "*" || pattern === type) { return true; }
    return pattern.slice(-2) === ".*" && type.indexOf(pattern.slice(0, -1)) === 0;
  }

  function wants(el, event) {
    var patterns = (el.getAttribute("data-live-refresh") || "").split(/\s+/).filter(Boolean);
    var customer = el.getAttribute("data-live-customer");
    var data = event.data || {};
    if (customer && data.customer_id !== undefined && String(data.customer_id) !== customer) { return false; }
    return patterns.some(function (p) { return matches(p, event.type); });
  }

  function container() {
    var box = document.getElementById("avisos-live-toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "avisos-live-toasts";
      box.setAttribute("aria-live", "polite");
      box.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:1080;max-width:24rem";
      document.body.appendChild(box);
    }
    return box;
  }

  function toast(text, kind) {
    var el = document.createElement("div");
    el.className = "alert alert-" + (kind || "danger") + " shadow-sm mb-2 avisos-live-toast";
    el.setAttribute("role", "alert");
    el.setAttribute("data-testid", "live-toast");
    el.textContent = text;
    container().appendChild(el);
    setTimeout(function () { el.remove(); }, 10000);
  }

  function badge(event) {
    var el = document.getElementById("avisos-live-badge");
    if (!el) {
      el = document.createElement("button");
      el.id = "avisos-live-badge";
      el.type = "button";
      el.className = "btn btn-info btn-sm shadow";
      el.setAttribute("data-testid", "live-badge");
      el.style.cssText = "position:fixed;left:50%;top:4.5rem;transform:translateX(-50%);z-index:1070";
      el.addEventListener("click", function () { window.location.reload(); });
      el.dataset.count = "0";
      document.body.appendChild(el);
    }
    el.dataset.count = String(Number(el.dataset.count) + 1);
    el.dataset.lastType = event.type;
    el.textContent = "Nueva actividad (" + el.dataset.count + ") — recargar";
  }

  function refresh(ids) {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "avisos-live" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var fresh = doc.getElementById(id);
          var current = document.getElementById(id);
          if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
        });
        document.dispatchEvent(new CustomEvent("avisos:live-refreshed", { detail: { ids: ids } }));
      })
      .catch(function () { /* the next event retries */ });
  }

  function schedule(ids, delay) {
    pending = pending || {};
    ids.forEach(function (id) { pending[id] = true; });
    setTimeout(function () {
      if (!pending) { return; }
      var todo = Object.keys(pending);
      pending = null;
      refresh(todo);
    }, delay);
  }

  function refreshInboxCount() {
    var el = document.getElementById("inbox-menu-count");
    if (!el) { return; }
    fetch("/admin/inbox/count/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        el.textContent = String(body.open);
        el.dataset.count = String(body.open);
        el.classList.toggle("d-none", !body.open);
      })
      .catch(function () { /* the next event retries */ });
  }

  function handle(event) {
    live.received.push(event);
    var data = event.data || {};
    if (event.type.indexOf("message.") === 0) { refreshInboxCount(); }
    if (event.type === "notification.failed") {
      toast("Notificación fallida" + (data.channel ? " (" + data.channel + ")" : "") +
            (data.customer_id ? ": cliente " + data.customer_id : "") + ".", "danger");
    } else if (event.type === "webhook.endpoint_disabled") {
      toast("Webhook desactivado tras fallar 5 días: " + (data.url || ""), "warning");
    }
    var targets = Array.prototype.filter.call(document.querySelectorAll("[data-live-refresh]"), function (el) {
      return el.id && wants(el, event);
    });
    if (targets.length) {
      schedule(targets.map(function (el) { return el.id; }),
               event.type.indexOf("message.") === 0 ? REPLY_REFRESH_DELAY_MS : REFRESH_DELAY_MS);
    } else if (!document.querySelector("[data-live-refresh]")) {
      badge(event);
    }
  }

  var source = new EventSource("/admin/stream");
  source.onopen = function () { live.connected = true; document.documentElement.dataset.live = "on"; };
  source.onmessage = function (message) {
    try { handle(JSON.parse(message.data)); } catch (err) { /* ignore a malformed event */ }
  };
  source.onerror = function () {
    live.connected = false;
    document.documentElement.dataset.live = source.readyState === EventSource.CLOSED ? "off" : "retrying";
  };
  window.addEventListener("beforeunload", function () { source.close(); });
})();
