// Keyboard shortcuts, as in Anki: space or enter reveals, 1-4 grade, number keys pick
// options, u undoes. Without JavaScript every action is still a plain button.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input, textarea, select");
  if (typing && !(event.key === "Enter" && event.target.name === "typed")) return;
  const grades = document.getElementById("grades");
  let target = null;
  if (event.key === " " || event.key === "Enter") {
    target = grades
      ? grades.querySelector("[data-default]")
      : document.querySelector('[data-key="reveal"]');
  } else if (/^[1-9]$/.test(event.key)) {
    const scope = grades || document.getElementById("front");
    target = scope && scope.querySelector(`[data-key="${event.key}"]`);
  } else if (event.key === "u") {
    target = document.querySelector('#undo-form [data-key="u"]');
  }
  if (target) {
    event.preventDefault();
    target.click();
  }
});
