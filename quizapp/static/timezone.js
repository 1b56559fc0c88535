// Propose the browser's time zone at registration; the learner can change it in Settings.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector('input[name="timezone"]');
  if (!field || field.value) return;
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    field.value = "";
  }
});
