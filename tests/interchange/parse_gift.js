// Parse GIFT from stdin with gift-pegjs and print its questions as JSON on stdout.
// A syntax error prints {"error": …, "line": …} and exits 1.
"use strict";
const { parse } = require("gift-pegjs");

// gift-pegjs decodes escapes everywhere but in a matching pair's answer, where it leaves
// its own placeholders (&&058; for "\:" and so on): decode those the same way.
const PLACEHOLDERS = { "&&092;": "\\", "&&058;": ":", "&&035;": "#", "&&061;": "=",
  "&&123;": "{", "&&125;": "}", "&&126;": "~", "&&010": "\n" };
function decode(text) {
  return text.replace(/&&(?:092|058|035|061|123|125|126);|&&010/g, (found) => PLACEHOLDERS[found]);
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  let questions;
  try {
    questions = parse(input);
  } catch (error) {
    const line = error.location ? error.location.start.line : null;
    process.stdout.write(JSON.stringify({ error: error.message, line }));
    process.exit(1);
  }
  for (const question of questions) {
    for (const pair of question.matchPairs || []) {
      pair.subanswer = decode(pair.subanswer);
    }
  }
  process.stdout.write(JSON.stringify(questions));
});
