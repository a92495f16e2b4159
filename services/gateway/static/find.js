// Next/previous through the hits of "Tìm trong văn bản" on the record page. Progressive:
// without this script the hit list's links (#hit-N) still jump to each hit. No inline script
// anywhere (CSP script-src 'self').
"use strict";

(function () {
  const hits = document.querySelectorAll("mark.hit");
  const next = document.getElementById("next-hit");
  const prev = document.getElementById("prev-hit");
  const position = document.getElementById("hit-position");
  if (!hits.length || !next || !prev || !position) return;
  let current = -1;

  function show(i) {
    if (current >= 0) hits[current].classList.remove("current");
    current = (i + hits.length) % hits.length;
    const mark = hits[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    position.textContent = current + 1 + " / " + hits.length;
    history.replaceState(null, "", "#" + mark.id);
  }

  next.addEventListener("click", (event) => { event.preventDefault(); show(current + 1); });
  prev.addEventListener("click", (event) => { event.preventDefault(); show(current - 1); });
  show(0);
})();
