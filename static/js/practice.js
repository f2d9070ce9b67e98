// The practice page: answers and hint requests go over one WebSocket; the tutor's reply arrives
// as start / delta... / done and is written into the feedback area as it streams.
(function () {
  "use strict";
  const root = document.querySelector(".practice");
  if (!root) return;
  const feedback = document.getElementById("feedback");
  const stop = root.querySelector(".stop");
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  let socket = null;
  let busy = false;

  function connect() {
    socket = new WebSocket(scheme + location.host + root.dataset.ws);
    socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
    socket.addEventListener("close", () => { busy = false; stop.hidden = true; setTimeout(connect, 1000); });
  }

  function setMastery(mastery) {
    for (const [kc, value] of Object.entries(mastery || {})) {
      const row = root.querySelector(`.mastery li[data-kc="${CSS.escape(kc)}"]`);
      if (!row) continue;
      const percent = Math.round(100 * value.p);
      row.querySelector(".fill").style.width = percent + "%";
      row.querySelector(".bar").setAttribute("aria-valuenow", String(percent));
      row.querySelector(".value").textContent = percent + "%";
    }
  }

  function handle(message) {
    if (message.type === "start") {
      feedback.textContent = "";
      feedback.dataset.verdict = message.verdict;
      stop.hidden = false;
    } else if (message.type === "delta") {
      feedback.textContent += message.text;
    } else if (message.type === "done" || message.type === "stopped" || message.type === "error") {
      busy = false;
      stop.hidden = true;
      if (message.type === "error") feedback.textContent = message.detail;
      if (message.mastery) setMastery(message.mastery);
    }
  }

  function send(payload) {
    if (busy || !socket || socket.readyState !== WebSocket.OPEN) return;
    busy = true;
    socket.send(JSON.stringify(Object.assign({ item: Number(root.dataset.item) }, payload)));
  }

  root.querySelectorAll(".answer-form").forEach((form) => {
    const input = form.querySelector("input");
    const preview = form.querySelector(".preview");
    let pending = null;
    input.addEventListener("input", () => {
      // Redrawn once typing pauses, so a screen reader hears the answer, not every half-typed state.
      clearTimeout(pending);
      pending = setTimeout(() => window.mathPreview.show(preview, input.value), 250);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send({ type: "answer", step: form.dataset.step, answer: input.value,
             idempotency_key: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) });
    });
    form.querySelector(".hint").addEventListener("click", () => send({ type: "hint", step: form.dataset.step }));
  });
  stop.addEventListener("click", () => socket && socket.send(JSON.stringify({ type: "stop" })));
  connect();
})();
