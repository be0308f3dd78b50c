/* Matrix page: switch labels follow their state, the picker reloads on change, and leaving with
   unsaved changes asks first. Saving is a plain form POST (one atomic request). */
(function () {
  "use strict";
  var picker = document.getElementById("b-matrix-picker");
  if (picker) {
    Array.prototype.forEach.call(picker.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () { picker.submit(); });
    });
  }
  var form = document.getElementById("b-matrix-form");
  if (!form) { return; }
  var dirty = false;
  var note = form.querySelector(".b-unsaved");
  function markDirty() {
    dirty = true;
    if (note) { note.hidden = false; }
  }
  Array.prototype.forEach.call(form.querySelectorAll(".b-cell-switch"), function (box) {
    box.addEventListener("change", function () {
      var label = form.querySelector('label[for="' + box.id + '"]');
      if (label) { label.textContent = box.checked ? label.getAttribute("data-on") : label.getAttribute("data-off"); }
      markDirty();
    });
  });
  Array.prototype.forEach.call(form.querySelectorAll(".b-cell-template"), function (select) {
    select.addEventListener("change", markDirty);
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
