// Swagger UI bootstrap, kept in a file so the page needs no inline script.
window.addEventListener("load", function () {
  var url = document.currentScript ? document.currentScript.dataset.spec : null;
  url = url || document.querySelector("script[data-spec]").dataset.spec;
  window.ui = SwaggerUIBundle({ url: url, dom_id: "#swagger-ui", deepLinking: true });
});
