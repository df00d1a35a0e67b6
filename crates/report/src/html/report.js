// rfc3535 report: filters over the matrix and the drill-down per cell. Reads only the JSON
// embedded in this page (the run's results.json and its evidence files); fetches nothing.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("rfc3535-data").textContent);
  const results = data.results;
  const evidence = data.evidence || {};
  const table = document.querySelector("table.matrix");
  const form = document.querySelector("form.controls");
  const drill = document.getElementById("drill");
  const content = drill.querySelector(".content");

  // Results and requirement verdicts by (device id, requirement id).
  const scenarios = new Map();
  results.results.forEach(function (r) {
    const key = r.device + "\u0000" + r.requirement;
    if (!scenarios.has(key)) scenarios.set(key, []);
    scenarios.get(key).push(r);
  });
  const verdicts = new Map();
  results.requirement_results.forEach(function (r) {
    verdicts.set(r.device + "\u0000" + r.requirement, r);
  });
  const requirements = new Map(results.requirements.map(function (r) { return [r.id, r]; }));

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([k, v]) { node.setAttribute(k, v); });
    (children || []).forEach(function (c) {
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    });
    return node;
  }
  const cls = { "pass": "v-pass", "fail": "v-fail", "not-applicable": "v-na", "skipped": "v-skipped", "error": "v-error", "manual": "v-manual" };
  function badge(verdict) { return el("span", { class: "badge " + (cls[verdict] || "v-none") }, [verdict || "not in this run"]); }

  function applyFilters() {
    const group = form.elements.group.value;
    const levels = Array.from(form.querySelectorAll("input[name=level]:checked")).map(function (i) { return i.value; });
    const verdict = form.elements.verdict.value;
    const text = form.elements.text.value.trim().toLowerCase();
    let shown = 0, total = 0;
    table.querySelectorAll("tbody").forEach(function (body) {
      let visible = 0;
      body.querySelectorAll("tr[data-req]").forEach(function (row) {
        total++;
        const ok = (!group || body.dataset.group === group)
          && levels.includes(row.dataset.level)
          && (!verdict || row.dataset.verdicts.split(" ").includes(verdict))
          && (!text || row.querySelector("th").textContent.toLowerCase().includes(text));
        row.classList.toggle("hidden", !ok);
        if (ok) { visible++; shown++; }
      });
      body.classList.toggle("hidden", visible === 0);
    });
    form.querySelector(".shown").textContent = shown + " of " + total + " requirements shown";
  }
  form.addEventListener("input", applyFilters);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  applyFilters();

  function open(cell) {
    const row = cell.closest("tr");
    const column = cell.cellIndex - 2;
    const device = results.devices[column];
    const requirement = requirements.get(row.dataset.req);
    if (!device || !requirement) return;
    table.querySelectorAll("td.selected").forEach(function (c) { c.classList.remove("selected"); });
    cell.classList.add("selected");
    const key = device.id + "\u0000" + requirement.id;
    const judged = verdicts.get(key);
    content.replaceChildren();
    content.append(
      el("h2", {}, [requirement.id + " on " + device.id]),
      el("p", { class: "meta" }, [requirement.title + " · " + requirement.level.toUpperCase() + " · " + requirement.source]),
      el("p", {}, [badge(judged && judged.verdict), " ", judged ? judged.message : "this run holds no verdict for it"])
    );
    if (judged && judged.mechanism) content.append(el("p", { class: "meta" }, ["decided by mechanism: " + judged.mechanism]));
    if (device.unreachable) content.append(el("p", { class: "meta" }, ["device not tested: " + device.unreachable]));
    (scenarios.get(key) || []).forEach(function (s) {
      const part = el("section", { class: "scenario" }, [
        el("h3", {}, [s.scenario]),
        el("p", { class: "meta" }, [s.feature + (s.mechanism ? " · mechanism " + s.mechanism : "") + " · " + s.duration_ms + " ms" + (s.needs.length ? " · needs " + s.needs.join(", ") : "")]),
        el("p", {}, [badge(s.verdict), s.claimed_but_broken ? " claimed but broken — " : " ", s.message])
      ]);
      if (s.steps.length) {
        part.append(el("ol", { class: "steps" }, s.steps.map(function (st) {
          return el("li", { class: st.outcome.replace(" ", "-") }, [st.keyword + " " + st.text + " — " + st.outcome]);
        })));
      }
      const measured = Object.entries(s.measurements || {});
      if (measured.length) {
        part.append(el("table", { class: "kv" }, measured.map(function ([k, v]) {
          return el("tr", {}, [el("td", {}, [k]), el("td", {}, [typeof v === "string" ? v : JSON.stringify(v)])]);
        })));
      }
      (s.schema_findings || []).forEach(function (f) { part.append(el("p", { class: "meta" }, ["schema: " + f])); });
      if (s.peers && s.peers.length) part.append(el("p", { class: "meta" }, ["with " + s.peers.join(", ")]));
      (s.evidence || []).forEach(function (path) {
        const text = evidence[path];
        part.append(el("details", text ? { open: "" } : {}, [
          el("summary", {}, [path]),
          el("pre", {}, [text === undefined ? "(not in this report: the evidence file was not found beside results.json)" : text])
        ]));
      });
      content.append(part);
    });
    drill.hidden = false;
    drill.querySelector(".close").focus();
    // A link to this page with this hash opens the same cell.
    history.replaceState(null, "", "#cell=" + encodeURIComponent(device.id) + "|" + encodeURIComponent(requirement.id));
  }
  function openFromHash() {
    const match = /^#cell=([^|]*)\|(.*)$/.exec(location.hash);
    if (!match) return;
    const column = results.devices.findIndex(function (d) { return d.id === decodeURIComponent(match[1]); });
    const row = table.querySelector("tr[data-req=\"" + CSS.escape(decodeURIComponent(match[2])) + "\"]");
    if (column >= 0 && row) open(row.cells[column + 2]);
  }
  function close() {
    drill.hidden = true;
    history.replaceState(null, "", location.pathname + location.search);
    const selected = table.querySelector("td.selected");
    if (selected) { selected.classList.remove("selected"); selected.focus(); }
  }
  table.addEventListener("click", function (e) {
    const cell = e.target.closest("td.cell");
    if (cell) open(cell);
  });
  table.addEventListener("keydown", function (e) {
    const cell = e.target.closest("td.cell");
    if (cell && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); open(cell); }
  });
  drill.querySelector(".close").addEventListener("click", close);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !drill.hidden) close(); });
  openFromHash();
  window.addEventListener("hashchange", openFromHash);
  document.body.dataset.ready = "true";
})();
