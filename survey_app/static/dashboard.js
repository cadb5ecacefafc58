// Refreshes the live-results figures every 15 seconds without reloading the page.
(function () {
  "use strict";
  var section = document.getElementById("dashboard");
  if (!section || !window.fetch) { return; }
  var hiddenText = document.getElementById("kpi-responses").textContent;
  var hiddenPrefix = section.getAttribute("data-hidden-prefix") || "";
  var reasons = JSON.parse(section.getAttribute("data-reasons") || "{}");

  function show(id, value) {
    var el = document.getElementById(id);
    if (el && value !== undefined) { el.textContent = value; }
  }

  function refresh() {
    fetch(section.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show("kpi-responses", data.responses === null ? hiddenText : String(data.responses));
        show("kpi-csi", data.csi ? String(data.csi.score) : "—");
        show("kpi-nps", data.nps ? String(data.nps.score) : "—");
        data.units.forEach(function (u) {
          var row = section.querySelector('tr[data-unit="' + CSS.escape(u.unit) + '"]');
          if (!row) { return; }
          // a unit can become hidden (a sibling got its first answers): its figures go, the reason shows
          row.cells[1].textContent = u.suppressed ? hiddenPrefix + (reasons[u.reason] || "") : String(u.responses);
          row.cells[3].textContent = u.rate === null ? "—" : u.rate + " %";
        });
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  window.setInterval(refresh, 15000);
})();
