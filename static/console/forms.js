/* Behaviour the console's Content-Security-Policy will not run from inline handlers:
 * - data-confirm="question" on a form (on submit) or a button (on click): ask first;
 * - data-model-action="name" (Flask-Admin's "With selected" menu, templates/admin/actions.html):
 *   run that bulk action;
 * - Flask-Admin's placeholder links (href="javascript:void(0)") do nothing, without the browser
 *   trying the refused javascript: URL. */
(function () {
  "use strict";

  function ask(el, event) {
    var question = el.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }

  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-confirm")) { ask(event.target, event); }
  });

  // Capture phase: Flask-Admin's dropdown toggles stop the click's propagation before it would
  // bubble up to the document.
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-confirm]:not(form), [data-model-action], a[href^='javascript:']");
    if (!el) { return; }
    if (el.hasAttribute("data-model-action")) {
      event.preventDefault();
      if (window.modelActions) { window.modelActions.execute(el.getAttribute("data-model-action")); }
    } else if (el.hasAttribute("data-confirm")) {
      ask(el, event);
    } else {
      event.preventDefault();
    }
  }, true);

  // data-history-back (the error pages' "Volver atrás"); data-copy="#id" copies that element's text.
  document.addEventListener("click", function (event) {
    var back = event.target.closest && event.target.closest("[data-history-back]");
    if (back) { window.history.back(); return; }
    var copy = event.target.closest && event.target.closest("[data-copy]");
    if (!copy) { return; }
    var source = document.querySelector(copy.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.value !== undefined ? source.value : source.textContent;
    var done = function () { copy.textContent = copy.getAttribute("data-copied") || copy.textContent; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text.trim()).then(done, function () { source.select && source.select(); });
    } else if (source.select) {
      source.select(); document.execCommand("copy"); done();
    }
  });
})();
