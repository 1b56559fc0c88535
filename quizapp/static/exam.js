// The exam page: a countdown, each answer saved as it is given, and the hand-in at the
// time limit. Without JavaScript the page still works: "Save answers" and "Hand in" are
// plain buttons, and the server hands in what was saved when the time runs out.
(() => {
  const form = document.getElementById("exam");
  const timer = document.getElementById("timer");
  if (!form || !timer) return;
  const status = document.getElementById("save-status");
  const shown = document.getElementById("time-left");
  const handIn = document.getElementById("hand-in");
  const ends = performance.now() + Number(timer.dataset.remaining) * 1000;
  let warned = false;
  let handingIn = false;

  const say = (message) => { status.textContent = message; };

  const answered = (fieldset) =>
    [...fieldset.querySelectorAll("input, select")].some((field) =>
      field.name !== "review" &&
      (field.type === "radio" ? field.checked : field.type !== "checkbox" && field.value.trim() !== ""));

  const summary = document.getElementById("exam-summary");
  const refreshNavigator = () => {
    let answeredCount = 0;
    let markedCount = 0;
    for (const fieldset of form.querySelectorAll("fieldset[data-question]")) {
      answeredCount += answered(fieldset) ? 1 : 0;
      markedCount += fieldset.querySelector('input[name="review"]').checked ? 1 : 0;
      const link = document.querySelector(`#navigator a[data-question="${fieldset.dataset.question}"]`);
      if (!link) continue;
      const isAnswered = answered(fieldset);
      const isMarked = fieldset.querySelector('input[name="review"]').checked;
      link.classList.toggle("answered", isAnswered);
      link.classList.toggle("marked", isMarked);
      link.querySelector(".visually-hidden").textContent =
        (isAnswered ? ", answered" : ", not answered") + (isMarked ? ", marked for review" : "");
    }
    summary.textContent = `${answeredCount} of ${summary.dataset.total} answered` +
      (markedCount ? ` · ${markedCount} marked for review` : "");
  };

  let pending = null;
  const save = async () => {
    if (handingIn) return;
    say("Saving…");
    try {
      const response = await fetch(form.dataset.save, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const result = await response.json();
      say(result.message);
      if (result.finished) window.location.reload();
    } catch (error) {
      say("Not saved: check your connection. Your answers are still on this page.");
    }
  };
  const saveSoon = (delay) => {
    clearTimeout(pending);
    pending = setTimeout(save, delay);
  };

  form.addEventListener("change", () => { refreshNavigator(); saveSoon(0); });
  form.addEventListener("input", (event) => {
    if (event.target.type === "text") { refreshNavigator(); saveSoon(800); }
  });
  form.addEventListener("submit", () => { handingIn = true; clearTimeout(pending); });

  const tick = () => {
    const left = Math.max(0, Math.round((ends - performance.now()) / 1000));
    shown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left <= 60 && !warned) {
      warned = true;
      timer.classList.add("ending");
      say("One minute left. The exam is handed in automatically when the time is up.");
    }
    if (left === 0 && !handingIn) {
      say("Time is up: handing in.");
      handingIn = true;
      form.requestSubmit(handIn);
      return;
    }
    setTimeout(tick, 250);
  };
  tick();
})();
