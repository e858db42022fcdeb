// Hides a question asked only after a particular answer above it until that answer is chosen
// (progressive enhancement: without scripts the question shows with its hint, and the server
// keeps an answer to it only when the condition holds).
for (const group of document.querySelectorAll("[data-show-if]")) {
  const form = group.closest("form");
  const source = group.dataset.showIf;
  const values = group.dataset.showValues.split(" ");
  const update = () => {
    const chosen = form.querySelector(`[name="${source}"]:checked`) ?? form.querySelector(`input[type="text"][name="${source}"]`);
    const shown = chosen !== null && values.includes(chosen.value.trim());
    group.hidden = !shown;
  };
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}
