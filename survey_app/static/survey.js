// Shows a question only when its display condition holds (the server applies the same rule on submit).
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form");
  if (!form) { return; }

  function answerOf(code) {
    var inputs = form.querySelectorAll('[data-item="' + code + '"]');
    if (!inputs.length) { return null; }  // answered on an earlier page: the server decided visibility
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value !== "") {
        values.push(input.value);
      }
    });
    return values;
  }

  function update() {
    form.querySelectorAll("[data-show-if]").forEach(function (question) {
      var values = answerOf(question.getAttribute("data-show-if"));
      if (values === null) { return; }
      var allowed = JSON.parse(question.getAttribute("data-show-if-in")).map(String);
      var shown = values.some(function (v) { return allowed.indexOf(v) !== -1; });
      question.hidden = !shown;
      question.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = !shown; });
    });
  }

  form.addEventListener("change", update);
  update();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
