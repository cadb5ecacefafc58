// The questionnaire editor: choosing another scale, or another kind of scale, shows its settings at once (the
// "Show the settings" button does the same without script).
document.addEventListener("DOMContentLoaded", () => {
  const show = document.getElementById("show-scale");
  for (const id of ["scale", "scale_kind"]) {
    const select = document.getElementById(id);
    if (select && show) {
      select.addEventListener("change", () => show.click());
    }
  }
});
