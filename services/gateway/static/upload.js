// Upload several files with a progress bar each (XMLHttpRequest upload progress).
// Progressive: without this script the same form posts to /upload and the server answers
// with the results table. No inline script anywhere (CSP script-src 'self').
"use strict";

(function () {
  const form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const table = document.getElementById("upload-results");
  const body = table.querySelector("tbody");
  const text = (key) => table.dataset[key] || "";

  function cell(row, content) {
    const td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content); else td.textContent = content || "";
    row.appendChild(td);
    return td;
  }

  function showResult(row, status, answer) {
    const result = row.cells[2], number = row.cells[3], symbol = row.cells[4];
    result.textContent = "";
    if (status === 202 && answer.id) {
      const link = document.createElement("a");
      link.href = "/records/" + encodeURIComponent(answer.id);
      link.textContent = text("sent");
      result.appendChild(link);
      // as records.shown_number: a number of the secret book says so ("01 (sổ mật)")
      number.textContent = answer.number ? answer.number + (answer.book === "mat" ? " (sổ mật)" : "") : "";
      symbol.textContent = answer.symbol || "";
      if (answer.duplicate) {
        const warn = document.createElement("div");
        warn.className = "notice";
        warn.textContent = text("duplicate");
        result.appendChild(warn);
      }
      row.dataset.state = "done";
    } else {
      result.className = "error";
      result.textContent = text("refused") + ": " + ((answer && answer.error) || status);
      row.dataset.state = "refused";
    }
  }

  function send(file, fields, csrf) {
    const row = document.createElement("tr");
    cell(row, file.name);
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    cell(row, bar);
    cell(row, ""); cell(row, ""); cell(row, "");
    body.appendChild(row);
    const data = new FormData();
    data.append("file", file, file.name);
    for (const [name, value] of Object.entries(fields)) if (value) data.append(name, value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/records");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.addEventListener("load", () => {
      bar.value = 100;
      let answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = null; }
      showResult(row, xhr.status, answer);
    });
    xhr.addEventListener("error", () => showResult(row, 0, null));
    xhr.send(data);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const files = form.querySelector("input[type=file]").files;
    // The register, the declared độ mật / độ khẩn and an outgoing document's numbering
    // (kind, issuer, unit, copy) go with every file.
    const fields = {};
    for (const name of ["register", "secrecy", "urgency", "kind", "issuer", "unit", "copy"]) {
      const input = form.querySelector(`[name=${name}]`);
      if (input) fields[name] = input.value;
    }
    const csrf = form.querySelector("input[name=csrf]").value;
    table.hidden = false;
    for (const file of files) send(file, fields, csrf);
    form.reset();
  });
})();
