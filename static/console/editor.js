/* Template editor: live preview (debounced POST to the server, which renders and escapes) and
   the variables panel's insert buttons. No dependencies; jQuery is used only when present so
   Select2's change events are heard. */
(function () {
  "use strict";
  var panel = document.getElementById("b-preview");
  if (!panel) { return; }
  var FIELDS = ["channel", "subject", "body", "html_body"];
  var timer = null;
  var sequence = 0;
  var lastField = document.getElementById("body");

  // The channel's name as the form's channel field shows it (the server's one list of labels).
  function channelLabel() {
    var field = document.getElementById("channel");
    if (field && field.options && field.selectedIndex >= 0) { return field.options[field.selectedIndex].text; }
    return value("channel");
  }

  function value(id) {
    var el = document.getElementById(id);
    return el ? el.value : "";
  }

  function setWarnings(list) {
    var box = document.getElementById("b-preview-warnings");
    box.textContent = "";
    list.forEach(function (w) {
      var li = document.createElement("li");
      li.className = "alert alert-warning py-1 px-2 mb-1";
      li.setAttribute("data-code", w.code);
      li.textContent = w.message + ": " + w.detail;
      box.appendChild(li);
    });
  }

  function show(data) {
    document.getElementById("b-preview-subject").textContent = data.subject;
    // body_html is built on the server from escaped text: safe to insert as markup.
    document.getElementById("b-preview-body").innerHTML = data.body_html;
    var frame = document.getElementById("b-preview-html");
    if (data.email_html) { frame.srcdoc = data.email_html; frame.hidden = false; } else { frame.hidden = true; }
    setWarnings(data.warnings || []);
    var stats = document.getElementById("b-preview-stats");
    var text = data.length + " " + stats.getAttribute("data-chars");
    if (data.payload_bytes !== null && data.payload_bytes !== undefined) {
      text += " · " + data.payload_bytes + " " + stats.getAttribute("data-bytes");
    }
    stats.textContent = text;
    document.getElementById("b-preview-channel").textContent = channelLabel();
    panel.setAttribute("data-state", "ready");
  }

  function refresh() {
    var mine = ++sequence;
    var payload = {};
    FIELDS.forEach(function (f) { payload[f] = value(f); });
    panel.setAttribute("data-state", "loading");
    fetch(panel.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": panel.getAttribute("data-csrf") },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (mine === sequence) { show(data); }  // ignore answers overtaken by newer typing
    }).catch(function () {
      panel.setAttribute("data-state", "error");
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  FIELDS.forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.addEventListener("input", schedule);
    el.addEventListener("change", schedule);
    el.addEventListener("focus", function () { if (id !== "channel") { lastField = el; } });
    if (window.jQuery) { window.jQuery(el).on("change", schedule); }
  });

  Array.prototype.forEach.call(document.querySelectorAll(".b-insert-var"), function (button) {
    button.addEventListener("click", function () {
      var field = lastField || document.getElementById("body");
      if (!field || field.readOnly) { return; }
      var text = button.getAttribute("data-var");
      var start = field.selectionStart || 0;
      var end = field.selectionEnd || 0;
      field.value = field.value.slice(0, start) + text + field.value.slice(end);
      field.focus();
      field.selectionStart = field.selectionEnd = start + text.length;
      schedule();
    });
  });

  if (document.getElementById("body")) { refresh(); }
})();
