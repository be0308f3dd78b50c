/* Draws every analytics chart from its data-plotly-figure JSON (app/console/charts.py): the figures
 * travel as data, not inline scripts, so the console's Content-Security-Policy needs no exception. */
(function () {
  "use strict";
  var CONFIG = { displaylogo: false, responsive: true };

  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-plotly-figure]").forEach(function (el) {
      var figure = JSON.parse(el.getAttribute("data-plotly-figure"));
      window.Plotly.newPlot(el, figure.data, figure.layout, CONFIG);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
