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
  if (summary) {
    summary.focus();
    // a link in the summary puts the focus on its question's answer (the chosen option, else the first one)
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#q-']");
      var question = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!question) { return; }
      var target = question.querySelector("input:checked") || question.querySelector("input, textarea");
      if (!target) { return; }
      event.preventDefault();
      question.scrollIntoView({block: "start"});
      target.focus({preventScroll: true});
    });
  }
})();

// Back after the thank-you page must not show a page kept in the browser's memory: ask the server again.
window.addEventListener("pageshow", function (event) {
  "use strict";
  if (event.persisted && document.querySelector("form.survey-form")) { window.location.reload(); }
});
