// Registration: narrow the grouped community and street checkboxes to those whose name,
// street or district contains what is typed; checked boxes stay submitted when hidden.
document.querySelectorAll("[data-choice-search]").forEach((input) => {
  const box = document.getElementById(input.dataset.choiceSearch);
  input.addEventListener("input", () => {
    const query = input.value.trim();
    box.querySelectorAll("details").forEach((group) => {
      const groupHit = group.querySelector("summary").textContent.includes(query);
      let shown = 0;
      group.querySelectorAll(".form-check").forEach((item) => {
        const hit = !query || groupHit || item.textContent.includes(query);
        item.hidden = !hit;
        shown += hit ? 1 : 0;
      });
      group.hidden = shown === 0;
      group.open = query !== "" && shown > 0;
    });
  });
});
