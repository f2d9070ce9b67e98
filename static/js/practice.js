// The practice page: answers and hint requests go over one WebSocket; the tutor's reply arrives
// as start / delta... / done and is written into the feedback area as it streams. The step list
// and the skills list are HTML the server renders (the practice-steps and practice-mastery
// fragments): when a step is solved or shown, the page fetches the step list again, so the next
// step appears only then; the page never builds that HTML itself.
// The tutor box is a dialogue: as each turn is sent, the reply before it and what the learner sent
// (their answer, a hint request, or words typed in the reply box) move into the list above the
// newest reply. Words from the reply box go as a help request with `message`, on the open step: the
// turn reads them (working is checked claim by claim; "I don't get it" gets a hint).
(function () {
  "use strict";
  const root = document.querySelector(".practice");
  if (!root) return;
  const stepsBox = document.getElementById("steps");
  const masteryBox = document.getElementById("mastery");
  const feedback = document.getElementById("feedback");
  const verdictLine = document.getElementById("verdict");
  const stop = root.querySelector(".stop");
  const dialogue = document.getElementById("dialogue");
  const replyNow = root.querySelector(".reply-now");
  const sayForm = document.getElementById("say");
  const sayText = document.getElementById("say-text");
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  // Every verdict in words and a sign, so that none is told apart by colour alone.
  const VERDICTS = {
    correct: ["\u2713", "Right."],
    incorrect: ["\u2717", "Not right."],
    misconception: ["\u2717", "Not right: this is a common mistake."],
    wrong_form: ["\u2248", "Equal, but not in the form asked for."],
    wrong_kind: ["\u2260", "I can read that, but it is not the kind of answer asked for."],
    unreadable: ["?", "I couldn't read that answer."],
    hint_request: ["", ""], // a hint is no verdict: its words say what it is
  };
  let socket = null;
  let busy = false;

  function connect() {
    socket = new WebSocket(scheme + location.host + root.dataset.ws);
    socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
    socket.addEventListener("close", () => { busy = false; stop.hidden = true; setTimeout(connect, 1000); });
  }

  function showVerdict(verdict, words) {
    const [sign, text] = VERDICTS[verdict] || ["", ""];
    verdictLine.dataset.verdict = verdict;
    verdictLine.textContent = words || (sign ? sign + " " + text : text);
    verdictLine.hidden = !verdictLine.textContent;
  }

  async function fragment(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.text();
  }

  async function refreshMastery() {
    try {
      masteryBox.innerHTML = await fragment(root.dataset.masteryUrl);
    } catch (error) { /* the list stays as it was; the next answer tries again */ }
  }

  async function refreshSteps() {
    try {
      stepsBox.innerHTML = await fragment(root.dataset.stepsUrl);
    } catch (error) {
      feedback.textContent += " (The next step could not be loaded: reload the page.)";
      return;
    }
    const open = stepsBox.querySelector('.step[data-status="open"] input');
    const next = stepsBox.querySelector(".next button");
    sayForm.hidden = !open; // words are about the open step: none once the problem is finished
    (open || next).focus();
  }

  function openStepForm() {
    return stepsBox.querySelector('.step[data-status="open"] .answer-form');
  }

  // ---- the dialogue: earlier replies and what the learner sent, oldest first ----
  function dialogueAdd(className, nodes) {
    const entry = document.createElement("li");
    entry.className = className;
    entry.append(...nodes);
    dialogue.appendChild(entry);
  }

  function replyArchive() {
    if (verdictLine.hidden && !feedback.textContent) return; // no reply yet
    const copies = [...replyNow.children].filter((node) => !node.hidden).map((node) => {
      const copy = node.cloneNode(true); // the server's typeset HTML as it is, never parsed again
      ["id", "aria-live", "aria-busy"].forEach((name) => copy.removeAttribute(name));
      return copy;
    });
    dialogueAdd("from-tutor", copies);
    showVerdict("", "");
    delete feedback.dataset.verdict;
    feedback.textContent = "";
  }

  function learnerSaid(text) {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = "You";
    const words = document.createElement("p");
    words.className = "words";
    words.textContent = text; // the learner's text is shown as text, never read as HTML
    dialogueAdd("from-learner", [who, words]);
  }

  function handle(message) {
    if (message.type === "start") {
      feedback.textContent = "";
      feedback.setAttribute("aria-busy", "true");
      feedback.dataset.verdict = message.verdict;
      showVerdict(message.verdict);
      stop.hidden = false;
    } else if (message.type === "delta") {
      feedback.textContent += message.text;
    } else if (message.type === "done" || message.type === "stopped" || message.type === "error") {
      busy = false;
      stop.hidden = true;
      root.dataset.turns = String(Number(root.dataset.turns || 0) + 1); // turns ended (tests wait on it)
      if (message.type === "error") {
        showVerdict("", "");
        feedback.textContent = message.detail;
      }
      if (message.type !== "done") {
        feedback.removeAttribute("aria-busy");
        return;
      }
      // The words streamed as plain text; the done frame brings them again with their math typeset
      // (MathML the server built). aria-busy kept a screen reader from reading the reply half-done.
      if (message.html) feedback.innerHTML = message.html;
      feedback.removeAttribute("aria-busy");
      if (message.mastery) refreshMastery();
      // A step now solved or shown: the next one appears (the server renders the list again).
      if (message.status && message.status !== "open") refreshSteps();
    }
  }

  // One turn over the socket; `said` is what the dialogue shows as the learner's. False when a turn
  // is still running or the socket is down (nothing was sent).
  function send(payload, said) {
    if (busy || !socket || socket.readyState !== WebSocket.OPEN) return false;
    busy = true;
    replyArchive();
    learnerSaid(said);
    socket.send(JSON.stringify(Object.assign({ item: Number(root.dataset.item) }, payload)));
    return true;
  }

  // ---- the live preview: the server's reading of the answer, with the checker's own grammar and
  // words (practice-preview), so it never draws what the checker cannot read ----
  const previewUrl = root.dataset.previewUrl;
  const previews = new WeakMap(); // output -> the text it should show (a late reply for older text is dropped)

  async function showPreview(form, output, text) {
    previews.set(output, text);
    if (!text.trim()) {
      output.replaceChildren();
      delete output.dataset.state;
      output.dataset.source = text;
      return;
    }
    const query = new URLSearchParams({ item: root.dataset.item, step: form.dataset.step, text });
    let reply;
    try {
      const response = await fetch(previewUrl + "?" + query, { credentials: "same-origin" });
      reply = await response.json();
    } catch (error) {
      return; // no preview this time; checking the answer still works
    }
    if (previews.get(output) !== text) return; // the learner typed on meanwhile
    if (reply.ok) {
      output.innerHTML = reply.mathml; // MathML the server built from what it read
      if (reply.message) {
        const note = document.createElement("span");
        note.className = "preview-note";
        note.textContent = reply.message;
        output.appendChild(note);
      }
      output.dataset.state = "maths";
    } else {
      output.textContent = "Can't read this yet: " + reply.message;
      output.dataset.state = "unreadable";
    }
    output.dataset.source = text;
  }

  const pending = new WeakMap();
  stepsBox.addEventListener("input", (event) => {
    const input = event.target;
    const form = input.closest(".answer-form");
    const output = form && form.querySelector(".preview");
    if (!output || input.type === "radio") return;
    // Asked for once typing pauses, so a screen reader hears the answer, not every half-typed state.
    clearTimeout(pending.get(output));
    pending.set(output, setTimeout(() => showPreview(form, output, input.value), 300));
  });

  stepsBox.addEventListener("submit", (event) => {
    const form = event.target.closest(".answer-form");
    if (!form) return; // the skip form posts as usual
    event.preventDefault();
    let answer, said;
    if (form.dataset.mode === "choice") {
      const picked = form.querySelector('input[name="answer"]:checked');
      if (!picked) { showVerdict("", "Pick one of the choices first."); return; }
      answer = picked.value;
      said = "My answer: " + form.querySelector(`label[for="${picked.id}"]`).textContent.trim();
    } else {
      answer = form.querySelector('input[name="answer"]').value;
      said = "My answer: " + answer;
    }
    send({ type: "answer", step: form.dataset.step, answer,
           idempotency_key: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random() }, said);
  });

  stepsBox.addEventListener("click", (event) => {
    const button = event.target.closest("button.hint");
    if (!button) return;
    send({ type: "hint", step: button.closest(".answer-form").dataset.step }, "Can I have a hint?");
  });

  // The reply box: Enter or Send. The words stay in the box when they could not be sent.
  sayForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = sayText.value;
    const form = openStepForm();
    if (!text.trim() || !form) return;
    if (send({ type: "hint", step: form.dataset.step, message: text }, text)) sayText.value = "";
  });

  stop.addEventListener("click", () => socket && socket.send(JSON.stringify({ type: "stop" })));
  connect();
})();
