// The planners page's progress bar: polls the class's comparison and shows the result when it ends.
(function () {
  "use strict";
  const box = document.querySelector("[data-progress-url]");
  if (!box) return;
  const bar = document.getElementById("comparison-bar");
  const words = document.getElementById("comparison-words");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (job) {
        if (job.status === "queued" || job.status === "running") {
          bar.max = job.total;
          bar.value = job.done;
          bar.textContent = job.done + " of " + job.total;
          words.textContent = job.status === "queued" ? "Waiting for the server to start the comparison."
            : job.done + " of " + job.total + " simulated learners taught (" + job.percent + "%).";
          setTimeout(poll, 1000);
        } else {
          // Done, failed or gone: the page shows which.
          location.replace(location.pathname + "#simulated-heading");
          location.reload();
        }
      })
      .catch(function () {
        words.textContent = "Could not reach the server; trying again.";
        setTimeout(poll, 5000);
      });
  }
  setTimeout(poll, 1000);
})();
