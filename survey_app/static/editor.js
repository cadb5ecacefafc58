// The questionnaire editor: choosing another scale, or another kind of scale, shows its settings at once (the
// "Show the settings" button does the same without script). In the condition builder, each test shows only the
// inputs its comparison uses (without script all are shown, each labelled with the comparisons it serves).
const CHOOSING = ["in", "contains", "contains_any"];
const NUMBERS = ["eq", "ne", "lt", "le", "gt", "ge", "between"];

function showInputsOf(row) {
  const op = row.querySelector(".builder-op");
  if (!op) {
    return;
  }
  const answers = row.querySelector(".builder-answers");
  const numbers = row.querySelector(".builder-numbers");
  const upper = row.querySelector(".builder-number2");
  if (answers) {
    answers.hidden = !CHOOSING.includes(op.value);
  }
  if (numbers) {
    numbers.hidden = !NUMBERS.includes(op.value);
  }
  if (upper) {
    upper.hidden = op.value !== "between";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const show = document.getElementById("show-scale");
  for (const id of ["scale", "scale_kind"]) {
    const select = document.getElementById(id);
    if (select && show) {
      select.addEventListener("change", () => show.click());
    }
  }
  for (const row of document.querySelectorAll("[data-row]")) {
    showInputsOf(row);
    const op = row.querySelector(".builder-op");
    if (op) {
      op.addEventListener("change", () => showInputsOf(row));
    }
  }
});
