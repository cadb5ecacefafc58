// Shows a question only when its display condition holds: the same rules as instruments/logic.py (the server
// applies them again on submit). Answers of earlier pages come from the form's data-answers.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form");
  if (!form) { return; }
  var earlier = JSON.parse(form.getAttribute("data-answers") || "{}");

  function answerOf(code, hidden) {
    var inputs = form.querySelectorAll('[data-item="' + code + '"]');
    if (!inputs.length) {  // answered on an earlier page
      var stored = earlier[code];
      if (stored === undefined || stored === null) { return []; }
      return (Array.isArray(stored) ? stored : [stored]).map(String);
    }
    if (hidden[code]) { return []; }  // a hidden question's answer does not count
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value.trim() !== "") {
        values.push(input.value.trim());
      }
    });
    return values;
  }

  function holds(c, hidden) {
    if (c.all) { return c.all.every(function (part) { return holds(part, hidden); }); }
    if (c.any) { return c.any.some(function (part) { return holds(part, hidden); }); }
    if (c.not) { return !holds(c.not, hidden); }
    var values = answerOf(c.item, hidden);
    if (c.answered !== undefined) { return (values.length > 0) === c.answered; }
    if (!values.length) { return false; }
    var wanted = (c["in"] || c.contains || c.contains_any || []).map(String);
    if (c["in"] || c.contains_any) { return values.some(function (v) { return wanted.indexOf(v) !== -1; }); }
    if (c.contains) { return wanted.every(function (v) { return values.indexOf(v) !== -1; }); }
    var x = Number(values[0].replace(/,/g, ""));
    if (values.length !== 1 || values[0] === "" || isNaN(x)) { return false; }
    if (c.between) { return c.between[0] <= x && x <= c.between[1]; }
    if (c.eq !== undefined) { return x === c.eq; }
    if (c.ne !== undefined) { return x !== c.ne; }
    if (c.lt !== undefined) { return x < c.lt; }
    if (c.le !== undefined) { return x <= c.le; }
    if (c.gt !== undefined) { return x > c.gt; }
    if (c.ge !== undefined) { return x >= c.ge; }
    return false;
  }

  function update() {
    var hidden = {};
    // in page order (the order written in the instrument): a hidden question's answer counts for no later one
    var questions = Array.prototype.slice.call(form.querySelectorAll("[data-show-if]"));
    questions.sort(function (a, b) { return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order")); });
    questions.forEach(function (question) {
      var shown = holds(JSON.parse(question.getAttribute("data-show-if")), hidden);
      hidden[question.id.replace(/^q-/, "")] = !shown;
      question.hidden = !shown;
      question.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = !shown; });
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
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
