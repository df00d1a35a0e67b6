// rfc3535 report: filters over the matrix and the drill-down per cell. Reads only the JSON
// embedded in this page (the run's results.json and its evidence files); fetches nothing.
// The JSON is read on first use (a cell opened, a device's column shown), not when the page
// opens: a large fleet's is over 100 MB, and the filters and the fleet view need none of it.
"use strict";
(function () {
  let model = null;
  // The run: results, evidence, and the results, verdicts and claimed-but-broken findings by
  // (device id, requirement id).
  function run() {
    if (model) return model;
    const data = JSON.parse(document.getElementById("rfc3535-data").textContent);
    const results = data.results;
    const scenarios = new Map();
    const broken = new Set();
    results.results.forEach(function (r) {
      const key = r.device + "\u0000" + r.requirement;
      if (!scenarios.has(key)) scenarios.set(key, []);
      scenarios.get(key).push(r);
      if (r.claimed_but_broken) broken.add(key);
    });
    const verdicts = new Map();
    results.requirement_results.forEach(function (r) {
      verdicts.set(r.device + "\u0000" + r.requirement, r);
    });
    model = {
      results: results,
      evidence: data.evidence || {},
      scenarios: scenarios,
      verdicts: verdicts,
      broken: broken,
      requirements: new Map(results.requirements.map(function (r) { return [r.id, r]; }))
    };
    return model;
  }
  const table = document.querySelector("table.matrix");
  const form = document.querySelector("form.controls");
  const drill = document.getElementById("drill");
  const content = drill.querySelector(".content");


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

  // A series of measured values (the intervals between a periodic subscription's
  // updates, say) as bars, with the expected value as a line when the scenario measured one
  // under the same unit (`*_period_ms` beside `*_ms` values).
  function plot(name, values, all) {
    const svg = "http://www.w3.org/2000/svg";
    const node = function (tag, attrs) {
      const n = document.createElementNS(svg, tag);
      Object.entries(attrs).forEach(function ([k, v]) { n.setAttribute(k, v); });
      return n;
    };
    const expected = Object.entries(all).find(function ([k, v]) {
      return k !== name && /_period_ms$/.test(k) && /_ms$/.test(name) && typeof v === "number";
    });
    const top = Math.max.apply(null, values.concat(expected ? [expected[1] * 1.5] : [])) || 1;
    const width = 320, height = 120, bar = width / values.length;
    const chart = node("svg", { width: width, height: height + 16, viewBox: "0 0 " + width + " " + (height + 16), role: "img", class: "plot" });
    const title = node("title", {});
    title.textContent = name + ": " + values.join(", ") + (expected ? " (expected " + expected[1] + ")" : "");
    chart.append(title);
    values.forEach(function (v, i) {
      const h = Math.max(1, (v / top) * height);
      chart.append(node("rect", { x: i * bar + 1, y: height - h, width: Math.max(1, bar - 2), height: h, class: "bar" }));
    });
    if (expected) {
      const y = height - (expected[1] / top) * height;
      chart.append(node("line", { x1: 0, x2: width, y1: y, y2: y, class: "expected" }));
    }
    const label = node("text", { x: 0, y: height + 12, class: "axis" });
    label.textContent = name + (expected ? " · line: " + expected[0] + " " + expected[1] : "") + " · max " + Math.max.apply(null, values);
    chart.append(label);
    return el("figure", { class: "plot" }, [chart]);
  }

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

  // The fleet view: the matrix shows some devices' columns at a time, built here from the
  // embedded verdicts; the device list chooses which.
  const fleet = document.querySelector("section.fleet");
  const symbols = { "pass": "\u2714", "fail": "\u2718", "not-applicable": "\u2013", "skipped": "\u21b7", "error": "!", "manual": "?" };
  let shown = Array.from(table.querySelectorAll("thead th.dev")).map(function (th) { return Number(th.dataset.device); });
  function scoreOf(index) {
    const row = fleet && fleet.querySelector("tr[data-device=\"" + index + "\"]");
    return row ? row.dataset.score : "";
  }
  function showColumns(indices) {
    const { results, verdicts, broken } = run();
    shown = indices;
    const head = table.querySelector("thead tr");
    head.querySelectorAll("th.dev").forEach(function (th) { th.remove(); });
    indices.forEach(function (i) {
      const d = results.devices[i];
      head.lastElementChild.before(el("th", { class: "dev", "data-device": i, title: d.id }, [el("span", {}, [d.name, el("small", {}, [d.protocol])])]));
    });
    table.classList.toggle("many", indices.length > 8);
    table.querySelectorAll("tr.group th").forEach(function (th) { th.setAttribute("colspan", indices.length + 3); });
    table.querySelectorAll("tr[data-req]").forEach(function (row) {
      row.querySelectorAll("td.cell").forEach(function (td) { td.remove(); });
      indices.forEach(function (i) {
        const key = results.devices[i].id + "\u0000" + row.dataset.req;
        const judged = verdicts.get(key);
        const v = judged && judged.verdict;
        const mark = broken.has(key) ? " broken" : "";
        row.lastElementChild.before(el("td", { class: "cell " + (cls[v] || "v-none") + mark, tabindex: "0", "data-device": i, title: (v || "not in this run") + (mark ? " (claimed but broken)" : "") }, [symbols[v] || "\u00b7"]));
      });
    });
    const foot = table.querySelector("tfoot tr");
    if (foot) {
      foot.querySelectorAll("td.total").forEach(function (td) { td.remove(); });
      indices.forEach(function (i) { foot.lastElementChild.before(el("td", { class: "total" }, [scoreOf(i)])); });
    }
  }
  // Puts a device's column first in the matrix of a fleet (the last one makes room),
  // unless it is there already.
  function reveal(index) {
    if (fleet && !shown.includes(index)) showColumns([index].concat(shown).slice(0, shown.length || 1));
  }
  if (fleet) {
    const search = fleet.querySelector("form.device-search");
    const rows = Array.from(fleet.querySelectorAll("table.device-list tbody tr"));
    function find() {
      const text = search.elements.device.value.trim().toLowerCase();
      let found = 0;
      rows.forEach(function (row) {
        const ok = !text || row.dataset.text.includes(text);
        row.classList.toggle("hidden", !ok);
        if (ok) found++;
      });
      search.querySelector(".found").textContent = found + " of " + rows.length + " device columns";
    }
    search.addEventListener("input", find);
    search.addEventListener("submit", function (e) { e.preventDefault(); });
    find();
    function choose(index) {
      reveal(index);
      const th = table.querySelector("thead th.dev[data-device=\"" + index + "\"]");
      if (th) th.scrollIntoView({ block: "nearest", inline: "nearest" });
      table.closest(".scroll").scrollIntoView({ block: "start" });
    }
    fleet.addEventListener("click", function (e) {
      const target = e.target.closest("[data-device]");
      if (target) choose(Number(target.dataset.device));
    });
    fleet.addEventListener("keydown", function (e) {
      const target = e.target.closest("tr[data-device]");
      if (target && e.key === "Enter") choose(Number(target.dataset.device));
    });
  }

  function open(cell) {
    const { results, evidence, scenarios, verdicts, requirements } = run();
    const row = cell.closest("tr");
    const column = Number(cell.dataset.device);
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
        measured.forEach(function ([k, v]) {
          if (Array.isArray(v) && v.length > 1 && v.every(function (x) { return typeof x === "number"; })) {
            part.append(plot(k, v, s.measurements));
          }
        });
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
    const column = run().results.devices.findIndex(function (d) { return d.id === decodeURIComponent(match[1]); });
    const row = table.querySelector("tr[data-req=\"" + CSS.escape(decodeURIComponent(match[2])) + "\"]");
    if (column < 0 || !row) return;
    reveal(column);
    const cell = row.querySelector("td.cell[data-device=\"" + column + "\"]");
    if (cell) open(cell);
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
