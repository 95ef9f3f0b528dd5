// The card editor: a live preview of the entry (the server renders it from the unsaved form, escaped), the
// up/down buttons of the key numbers, and "Add column" / "Add table" for the results tables. The form works
// without this script: it saves, "#" orders, and ticked boxes remove rows, columns and tables.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("card-form");
  const preview = document.getElementById("preview");
  if (!form || !preview) return;

  // the preview is aria-busy from the first keystroke until the answer to the last one is shown
  let timer = null;
  let sent = 0;
  const refresh = async () => {
    const mine = ++sent;
    preview.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.dataset.preview, {method: "POST", body: new FormData(form),
                                                          credentials: "same-origin"});
      const html = await response.text();
      // the server's HTML is autoescaped: paper and model text arrive as text, never as markup
      if (mine === sent) preview.innerHTML = html;
    } finally {
      if (mine === sent) preview.removeAttribute("aria-busy");
    }
  };
  form.addEventListener("input", () => {
    preview.setAttribute("aria-busy", "true");
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });

  // each key number is a <tbody> of its own (its inputs and, under them, its evidence): they move whole
  const numbers = document.querySelector("table.numbers");
  const renumber = () => {
    numbers.querySelectorAll(":scope > tbody").forEach((number, i) => {
      number.querySelector("input.order").value = i + 1;
    });
    refresh();
  };
  numbers?.addEventListener("click", (event) => {
    const button = event.target.closest("button.move");
    if (!button) return;
    const number = button.closest("tbody");
    const before = number.previousElementSibling;
    const after = number.nextElementSibling;
    if (button.dataset.move === "-1" && before?.tagName === "TBODY") {
      number.parentNode.insertBefore(number, before);
    } else if (button.dataset.move === "1" && after && !after.classList.contains("blank")) {
      number.parentNode.insertBefore(after, number);
    }
    renumber();
  });

  // Added columns and tables are inputs named as the server reads them (see service/editing.py) and counted by
  // the hidden tables-count and tables-T-columns; everything is built as elements, never from HTML text.
  const tables = document.getElementById("results-tables");
  if (!tables) return;
  const make = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  };
  const heading = (t, c) => make("th", {},
    make("input", {name: `tables-${t}-col-${c}`, "aria-label": `table ${t + 1} column ${c + 1} heading`}),
    make("label", {class: "remove"}, make("input", {type: "checkbox", name: `tables-${t}-col-${c}-remove`, value: "1",
                                                    "aria-label": `remove column ${c + 1} of table ${t + 1}`}), " remove"));
  const cell = (t, r, c) => make("td", {},
    make("input", {name: `tables-${t}-row-${r}-${c}`, "aria-label": `table ${t + 1} row ${r + 1} column ${c + 1}`}));
  const addColumn = (block) => {
    const t = Number(block.dataset.table);
    const count = block.querySelector(`input[name="tables-${t}-columns"]`);
    const c = Number(count.value);
    const head = block.querySelector("thead tr");
    head.insertBefore(heading(t, c), head.lastElementChild);  // the last cell is the rows' "remove"
    block.querySelectorAll("tbody tr").forEach((row, r) => row.insertBefore(cell(t, r, c), row.lastElementChild));
    count.value = c + 1;
    head.children[c].querySelector("input").focus();
  };
  const addTable = (button) => {
    const count = tables.querySelector('input[name="tables-count"]');
    const t = Number(count.value);
    const block = make("div", {class: "table-edit", "data-table": t},  // one column and its blank row to fill in
      make("div", {class: "field"},
        make("div", {class: "label"}, make("label", {for: `t-${t}-caption`}, `Caption of table ${t + 1}`),
             make("div", {class: "evidence"}, "added by you")),
        make("div", {class: "input"}, make("input", {id: `t-${t}-caption`, name: `tables-${t}-caption`}))),
      make("input", {type: "hidden", name: `tables-${t}-page`, value: ""}),
      make("input", {type: "hidden", name: `tables-${t}-columns`, value: "1"}),
      make("input", {type: "hidden", name: `tables-${t}-rows`, value: "1"}),
      make("div", {class: "scroll"}, make("table", {class: "cells"},
        make("thead", {}, make("tr", {}, heading(t, 0), make("th", {}, "remove row"))),
        make("tbody", {}, make("tr", {class: "blank"}, cell(t, 0, 0),
                               make("td", {}, make("span", {class: "sub"}, "new row")))))),
      make("div", {class: "table-actions"},
        make("button", {type: "button", class: "add-column", "aria-label": `Add column to table ${t + 1}`}, "Add column"),
        make("label", {}, make("input", {type: "checkbox", name: `tables-${t}-remove`, value: "1"}),
             ` Remove table ${t + 1}`)));
    tables.insertBefore(block, button);
    count.value = t + 1;
    tables.querySelector(".no-tables")?.remove();
    block.querySelector(`#t-${t}-caption`).focus();
  };
  tables.querySelectorAll("button[hidden]").forEach((button) => { button.hidden = false; });
  tables.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button?.classList.contains("add-column")) addColumn(button.closest(".table-edit"));
    else if (button?.id === "add-table") addTable(button);
    else return;
    refresh();
  });
  // a ticked column is struck through in every row, so the editor sees what the save drops
  tables.addEventListener("change", (event) => {
    const box = event.target;
    if (!/^tables-\d+-col-\d+-remove$/.test(box.name)) return;
    const index = box.closest("th").cellIndex;
    box.closest("table").querySelectorAll("tr").forEach((row) => row.cells[index].classList.toggle("removed", box.checked));
  });
});
