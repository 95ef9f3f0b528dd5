// The card editor: a live preview of the entry (the server renders it from the unsaved form, escaped) and
// the up/down buttons of the key numbers. The form works without this script: it saves, and "#" orders.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("card-form");
  const preview = document.getElementById("preview");
  if (!form || !preview) return;

  let timer = null;
  let sent = 0;
  const refresh = async () => {
    const mine = ++sent;
    const response = await fetch(form.dataset.preview, {method: "POST", body: new FormData(form),
                                                        credentials: "same-origin"});
    // the server's HTML is autoescaped: paper and model text arrive as text, never as markup
    if (mine === sent) preview.innerHTML = await response.text();
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });

  const numbers = document.querySelector("#key-numbers tbody");
  const renumber = () => {
    numbers.querySelectorAll("tr").forEach((row, i) => { row.querySelector("input.order").value = i + 1; });
    refresh();
  };
  numbers?.addEventListener("click", (event) => {
    const button = event.target.closest("button.move");
    if (!button) return;
    const row = button.closest("tr");
    if (button.dataset.move === "-1" && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
    } else if (button.dataset.move === "1" && row.nextElementSibling && !row.nextElementSibling.classList.contains("blank")) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
    }
    renumber();
  });
});
