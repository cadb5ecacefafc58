// Polls a report job's JSON status every second and offers the PDF when it is done (no inline scripts: CSP).
(function () {
  "use strict";
  var section = document.getElementById("report-job");
  if (!section || !window.fetch) { return; }
  var bar = document.getElementById("report-progress");
  var state = document.getElementById("report-state");
  var link = document.getElementById("report-download");

  function show(data) {
    bar.value = data.progress;
    bar.textContent = data.progress + " %";
    state.setAttribute("data-state", data.state);
    if (data.state === "done") {
      state.textContent = section.getAttribute("data-done-text") || state.textContent;
      link.hidden = false;
    } else if (data.state === "failed") {
      state.textContent = data.error;
    } else {
      state.textContent = (section.getAttribute("data-working-text") || "") + " " + data.progress + " %";
    }
  }

  function poll() {
    fetch(section.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) { show(data); }
        if (!data || (data.state !== "done" && data.state !== "failed")) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  var current = state.getAttribute("data-state");
  if (current !== "done" && current !== "failed") { poll(); }
})();
