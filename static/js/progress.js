// Draws the learner's mastery chart from the JSON the progress page embeds (no inline script: the
// site's Content-Security-Policy refuses one).
(function () {
  "use strict";
  const div = document.getElementById("mastery-history");
  const source = div && document.getElementById(div.dataset.figure);
  if (!source) return;
  const figure = JSON.parse(source.textContent);
  Plotly.newPlot(div, figure.data, figure.layout, { responsive: true, displayModeBar: false });
})();
