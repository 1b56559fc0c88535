// Keyboard shortcuts, as in Anki: space or enter reveals, 1-4 grade, number keys pick
// options, u undoes. Without JavaScript every action is still a plain button.
//
// A shortcut never overrides a control's own keys: Enter and Space on a focused button,
// link or summary do what that control does (flag, suspend, sign out, apply a narrowing),
// and nothing is a shortcut while typing in a field or choosing in a list.
const TYPING = "input, textarea, select, [contenteditable]";
const ACTIVATES = "a[href], button, summary, label, [role='button'], [tabindex]";

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (!(event.target instanceof Element)) return;
  if (event.target.closest(TYPING)) return;
  const confirming = event.key === " " || event.key === "Enter";
  if (confirming && event.target.closest(ACTIVATES)) return;
  const grades = document.getElementById("grades");
  let target = null;
  if (confirming) {
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
