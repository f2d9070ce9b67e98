// Draws every figure embedded as JSON by the dashboard pages, and keeps a class's live pages (the
// overview, "now") live: each message carries every table of its page, and the overview's charts.
(function () {
  "use strict";
  const CONFIG = { responsive: true, displaylogo: false };

  function draw(div, figure, update) {
    (update ? Plotly.react : Plotly.newPlot)(div, figure.data, figure.layout, CONFIG);
  }

  document.querySelectorAll("[data-figure]").forEach(function (div) {
    const source = document.getElementById(div.dataset.figure);
    const figure = source && JSON.parse(source.textContent);
    if (figure) draw(div, figure, false);
  });

  const status = document.querySelector("[data-live-path]");
  if (!status) return;
  let retry = 1000;
  let reconnecting = false;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let path = status.dataset.livePath;
    // After a drop, ask for the current overview: answers may have come in while the socket was down.
    if (reconnecting) path += (path.includes("?") ? "&" : "?") + "fresh=1";
    const socket = new WebSocket(scheme + location.host + path);
    socket.onopen = function () { status.textContent = "Live updates: on"; retry = 1000; };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      if (message.type !== "overview" && message.type !== "now") return;
      if (message.heatmap) draw(document.getElementById("heatmap-plot"), message.heatmap, true);
      if (message.activity) draw(document.getElementById("activity-plot"), message.activity, true);
      // Every table of the page, each in the element that names its fragment.
      document.querySelectorAll("[data-live]").forEach(function (element) {
        const html = message.html[element.dataset.live];
        if (html !== undefined) element.innerHTML = html;
      });
      status.textContent = "Live updates: on (updated " + new Date().toLocaleTimeString() + ")";
      status.dataset.updates = String(Number(status.dataset.updates || 0) + 1);
    };
    socket.onclose = function (event) {
      if (event.code >= 4400 && event.code < 4500) { status.textContent = "Live updates: not allowed"; return; }
      status.textContent = "Live updates: reconnecting…";
      reconnecting = true;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
