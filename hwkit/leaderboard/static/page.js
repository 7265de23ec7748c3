
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("board-data").textContent);
  const DASH = "\u2014";
  const collator = new Intl.Collator(["zh-CN", "en"], { sensitivity: "base", numeric: true });
  const boards = [];
  let current = null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function missing(x) { return x === null || x === undefined; }
  function num(x) { return missing(x) ? DASH : String(Math.round(x * 100) / 100); }
  function pct(x) { return missing(x) ? DASH : (x * 100).toFixed(2) + "%"; }

  function localTime(iso) {
    if (!iso) return DASH;
    const d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString();
  }

  function timeNode(tag, iso, attrs) {
    const node = el(tag, attrs, localTime(iso));
    if (iso) node.title = iso;
    return node;
  }

  function lateBadge(text) {
    return el("span", { class: "badge", title: "迟交 / submitted after the deadline" }, text);
  }

  // ---- columns: key, label, value (for sorting), cell (a <td>), first sort direction ----

  function textCol(key, label, value, cls) {
    return { key, label, value, dir: 1, cell: (r) => el("td", { class: cls }, value(r)) };
  }

  function numCol(key, label, value, show, dir) {
    const cell = (r) => el("td", { class: "num" }, show(value(r)));
    return { key, label, value, dir, num: true, cell };
  }

  function commonHead() {
    return [
      numCol("rank", "排名 / Rank", (r) => r.rank, String, 1),
      textCol("name", "昵称 / Nickname", (r) => r.name, "name"),
    ];
  }

  function assignmentColumns(b) {
    const cols = commonHead();
    cols.push(numCol("score", "得分 / Score", (r) => r.score, num, -1));
    if (b.metric) {
      cols.push(numCol("public", "公开准确率 / Public accuracy", (r) => r.public, pct, -1));
      if (b.revealed) {
        cols.push(numCol("private", "私有准确率 / Private accuracy", (r) => r.private, pct, -1));
      }
    }
    cols.push(numCol("submissions", "提交次数 / Submissions", (r) => r.submissions, String, -1));
    cols.push({
      key: "last", label: "最后提交 / Last submission", dir: -1,
      value: (r) => (r.last ? Date.parse(r.last) : null),
      cell: (r) => timeNode("td", r.last, { class: "time" }),
    });
    cols.push({
      key: "late", label: "迟交 / Late", dir: -1, value: (r) => (r.late ? 1 : 0),
      cell: (r) => {
        const td = el("td");
        if (r.late) td.appendChild(lateBadge("迟交 / late"));
        return td;
      },
    });
    return cols;
  }

  function totalColumns(assignments) {
    const cols = commonHead();
    for (const a of assignments) {
      const value = (r) => (r.scores || {})[a.id];
      const col = numCol("score:" + a.id, a.id.toUpperCase(), value, num, -1);
      col.title = a.title;
      cols.push(col);
    }
    cols.push(numCol("total", "总分 / Total", (r) => r.total, num, -1));
    cols.push({
      key: "late", label: "迟交 / Late", dir: -1, value: (r) => r.late || 0,
      cell: (r) => {
        const td = el("td");
        if (r.late) td.appendChild(lateBadge("迟交 / late ×" + r.late));
        return td;
      },
    });
    return cols;
  }

  // ---- explanation at the top ----

  const RULES = {
    latest: "每人最后一次提交计分 / your latest submission counts",
    best: "每人得分最高的一次提交计分 / your best submission counts",
  };

  function helpBox() {
    const box = el("details", { class: "help" });
    box.open = window.matchMedia("(min-width: 641px)").matches; // folded on a phone
    box.appendChild(el("summary", {}, "怎么看这张榜 / How to read this board"));
    const ul = el("ul");
    const items = [
      "排名：先比得分；得分相同比留出数据上的准确率；再相同则先提交者在前。" +
        " / Ranked by score, then held-out accuracy, then earlier submission.",
      "计分的提交 / Which submission counts: " + (RULES[DATA.rule] || DATA.rule),
      "公开准确率在留出数据的公开一半上测得；最终排名用另一半（私有部分），截止后公布。" +
        " / Public accuracy is measured on the public half of the held-out data;" +
        " the final ranking uses the private half, revealed after the deadline.",
      "“—” 表示没有提交或没有该项；红色 “迟交 / late” 表示该提交晚于截止时间。" +
        " / “—” means no submission or not applicable; a red “late” badge marks a late submission.",
      "点击表头排序（再点一次反向）；在 “找到我” 框输入昵称定位自己。" +
        " / Click a column header to sort (again to reverse); type your nickname in Find me.",
    ];
    for (const text of items) ul.appendChild(el("li", {}, text));
    box.appendChild(ul);
    return box;
  }

  function header() {
    const head = el("header");
    head.appendChild(el("h1", {}, (DATA.course || "") + " · 排行榜 / Leaderboard"));
    const gen = el("p", { class: "muted" }, "生成于 / Generated: ");
    gen.appendChild(timeNode("time", DATA.generated_at, { datetime: DATA.generated_at || "" }));
    head.appendChild(gen);
    head.appendChild(helpBox());
    return head;
  }

  // ---- histogram ----

  const CHART = { W: 640, H: 210, L: 34, R: 18, T: 62, B: 26 };

  function histogram(hist, pcts, what) {
    const edges = (hist && hist.edges) || [];
    const counts = (hist && hist.counts) || [];
    if (!counts.length || edges.length !== counts.length + 1) return null;
    const { W, H, L, R, T, B } = CHART;
    const lo = edges[0];
    const span = edges[edges.length - 1] - lo || 1;
    const x = (v) => L + ((Math.min(Math.max(v, lo), lo + span) - lo) / span) * (W - L - R);
    const top = Math.max(1, ...counts);
    const y = (c) => T + (1 - c / top) * (H - T - B);
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
    svg.setAttribute("aria-label", what);
    svg.appendChild(svgEl("title", {}, what));
    drawBars(svg, edges, counts, x, y);
    drawAxes(svg, edges, top, x, y);
    drawPercentiles(svg, pcts || {}, x);
    return svg;
  }

  function drawBars(svg, edges, counts, x, y) {
    const base = CHART.H - CHART.B;
    counts.forEach((c, i) => {
      const x0 = x(edges[i]);
      const w = Math.max(1, x(edges[i + 1]) - x0 - 2);
      const attrs = { class: "bar", x: x0 + 1, y: y(c), width: w, height: base - y(c) };
      const bar = svgEl("rect", attrs);
      const label = `${num(edges[i])}–${num(edges[i + 1])}: ${c} 人 / students`;
      bar.appendChild(svgEl("title", {}, label));
      svg.appendChild(bar);
    });
  }

  function drawAxes(svg, edges, top, x, y) {
    const { W, R, L, H, B } = CHART;
    const base = H - B;
    svg.appendChild(svgEl("line", { class: "axis", x1: L, x2: W - R, y1: base, y2: base }));
    svg.appendChild(svgEl("line", { class: "axis", x1: L, x2: L, y1: y(top), y2: base }));
    const step = Math.ceil(edges.length / 11);
    edges.forEach((e, i) => {
      if (i % step && i !== edges.length - 1) return;
      const attrs = { class: "tick", x: x(e), y: base + 15, "text-anchor": "middle" };
      svg.appendChild(svgEl("text", attrs, num(e)));
    });
    const yTick = (c) => ({ class: "tick", x: L - 6, y: y(c) + 4, "text-anchor": "end" });
    svg.appendChild(svgEl("text", yTick(top), String(top)));
    svg.appendChild(svgEl("text", yTick(0), "0"));
  }

  function drawPercentiles(svg, pcts, x) {
    const base = CHART.H - CHART.B;
    ["p25", "p50", "p75", "p90"].forEach((key, i) => {
      const v = pcts[key];
      if (missing(v)) return;
      const xv = x(v);
      const ty = 12 + i * 13;
      const right = xv > CHART.W * 0.7;
      svg.appendChild(svgEl("line", { class: "pct " + key, x1: xv, x2: xv, y1: ty + 3, y2: base }));
      const attrs = {
        class: "pct-label", x: right ? xv - 4 : xv + 4, y: ty,
        "text-anchor": right ? "end" : "start",
      };
      svg.appendChild(svgEl("text", attrs, key.toUpperCase() + " " + num(v)));
    });
  }

  function chartFigure(hist, pcts, what, n) {
    const svg = histogram(hist, pcts, what);
    if (!svg) return null;
    const fig = el("figure", { class: "chart" });
    fig.appendChild(svg);
    const parts = ["p25", "p50", "p75", "p90"]
      .filter((k) => !missing((pcts || {})[k]))
      .map((k) => k.toUpperCase() + " " + num(pcts[k]));
    const caption = `${what} · ${n} 人 / students · ` + parts.join(" · ");
    fig.appendChild(el("figcaption", {}, caption));
    return fig;
  }

  // ---- standings table ----

  function label(text) {
    // "排名 / Rank" may wrap only after the slash: each language stays on one line.
    const cut = text.indexOf(" / ");
    if (cut < 0) return el("span", { class: "label" }, text);
    const span = el("span", { class: "label" });
    span.appendChild(el("span", { class: "zh" }, text.slice(0, cut + 2)));
    span.appendChild(document.createTextNode(" "));
    span.appendChild(el("span", { class: "en" }, text.slice(cut + 3)));
    return span;
  }

  function headCell(board, col) {
    const th = el("th", { scope: "col", "data-col": col.key, "aria-sort": "none" });
    if (col.num) th.className = "num";
    if (col.title) th.title = col.title;
    const button = el("button", { type: "button", class: "sort" });
    const text = button.appendChild(label(col.label));
    const arrow = el("span", { class: "arrow", "aria-hidden": "true" }, "");
    (text.querySelector(".en") || text).appendChild(arrow); // wraps with the English word
    th.appendChild(button);
    th.addEventListener("click", () => sortBy(board, col));
    return th;
  }

  function makeRow(row, cols) {
    const tr = el("tr", { class: row.late ? "row late" : "row" });
    for (const col of cols) tr.appendChild(col.cell(row));
    return tr;
  }

  function standings(board) {
    const table = el("table", { class: "standings" });
    board.table = table;
    table.appendChild(el("caption", { class: "sr-only" }, board.title));
    const headRow = el("tr");
    for (const col of board.cols) headRow.appendChild(headCell(board, col));
    table.appendChild(el("thead")).appendChild(headRow);
    board.tbody = table.appendChild(el("tbody"));
    board.items = board.rows.map((row, index) => ({ row, index, tr: makeRow(row, board.cols) }));
    board.sort = { key: "rank", dir: 1 };
    redraw(board);
    const wrap = el("div", { class: "table-wrap" });
    wrap.appendChild(table);
    return wrap;
  }

  function comparator(col, dir) {
    return (a, b) => {
      const x = col.value(a.row);
      const y = col.value(b.row);
      if (missing(x) || missing(y)) {
        if (missing(x) && missing(y)) return a.index - b.index;
        return missing(x) ? 1 : -1;
      }
      const c = typeof x === "string" ? collator.compare(x, y) : x - y;
      return c === 0 ? a.index - b.index : c * dir;
    };
  }

  function sortBy(board, col) {
    const same = board.sort.key === col.key;
    board.sort = { key: col.key, dir: same ? -board.sort.dir : col.dir };
    board.items.sort(comparator(col, board.sort.dir));
    redraw(board);
  }

  function redraw(board) {
    const frag = document.createDocumentFragment();
    for (const item of board.items) frag.appendChild(item.tr);
    board.tbody.appendChild(frag);
    for (const th of board.table.querySelectorAll("th[data-col]")) {
      const on = th.dataset.col === board.sort.key;
      const asc = board.sort.dir > 0;
      th.setAttribute("aria-sort", on ? (asc ? "ascending" : "descending") : "none");
      th.querySelector(".arrow").textContent = on ? (asc ? "▲" : "▼") : "";
    }
  }

  // ---- boards ----

  function notice(a) {
    const p = el("p", { class: "notice" });
    if (!a.metric) {
      p.textContent = "本作业没有留出准确率，只按得分排名，得分相同则先提交者在前。" +
        " / No held-out accuracy for this assignment: ranked by score, then earlier submission.";
    } else if (a.revealed) {
      p.classList.add("final");
      p.textContent = "私有部分已公布：这是最终排名（按私有准确率）。" +
        " / Private part revealed: this is the final ranking (on private accuracy).";
    } else {
      p.textContent = "私有部分将在截止后公布 / private part revealed after the deadline." +
        " 当前排名用公开准确率，仅供参考。" +
        " / The current order uses public accuracy and may change.";
    }
    return p;
  }

  function boardMeta(a) {
    const p = el("p", { class: "muted" });
    p.appendChild(document.createTextNode(`满分 / Max score: ${num(a.max_score)}`));
    if (a.deadline) {
      p.appendChild(document.createTextNode(" · 截止 / Deadline: "));
      p.appendChild(timeNode("time", a.deadline, { datetime: a.deadline }));
    }
    if (a.metric) {
      p.appendChild(document.createTextNode(` · 准确率指标 / Accuracy metric: ${a.metric}`));
    }
    if (a.late_policy) {
      p.appendChild(document.createTextNode(` · ${a.late_policy}`));
    }
    return p;
  }

  function totalMeta(t) {
    const text = `满分 / Max total: ${num(t.max_score)} · 总分 = 各作业得分之和，— = 未提交` +
      " / total = sum of assignment scores, — = no submission";
    return el("p", { class: "muted" }, text);
  }

  function tabLabel(a) {
    const short = String(a.title || "").split(" · ")[0];
    return short && short.length <= 24 ? short : a.id.toUpperCase();
  }

  function makeBoard(id, title, spec) {
    const section = el("section", {
      class: "board", "data-board": id, id: "board-" + id, role: "tabpanel",
      "aria-labelledby": "tab-" + id,
    });
    const board = Object.assign({ id, title, section }, spec);
    section.appendChild(el("h2", {}, title));
    for (const node of spec.intro) section.appendChild(node);
    const what = id === "total" ? "总分分布 / Total distribution" : "得分分布 / Score distribution";
    const fig = chartFigure(spec.histogram, spec.percentiles, what, board.rows.length);
    if (fig) section.appendChild(fig);
    if (board.rows.length) section.appendChild(standings(board));
    else section.appendChild(el("p", { class: "empty" }, "还没有提交 / No submissions yet"));
    boards.push(board);
    return board;
  }

  function assignmentBoard(a) {
    return makeBoard(a.id, a.title || a.id, {
      tab: tabLabel(a), rows: a.rows || [], cols: assignmentColumns(a),
      histogram: a.histogram, percentiles: a.percentiles, intro: [notice(a), boardMeta(a)],
      score: (r) => r.score,
    });
  }

  function totalBoard(t, assignments) {
    return makeBoard("total", "总分 / Total", {
      tab: "总分 / Total", rows: t.rows || [], cols: totalColumns(assignments),
      histogram: t.histogram, percentiles: t.percentiles, intro: [totalMeta(t)],
      score: (r) => r.total,
    });
  }

  // ---- tabs ----

  function tabBar() {
    const bar = el("div", { class: "tabs", role: "tablist" });
    bar.setAttribute("aria-label", "作业 / Assignments");
    for (const b of boards) {
      b.button = el("button", {
        type: "button", class: "tab", role: "tab", "data-board": b.id, id: "tab-" + b.id,
        "aria-controls": "board-" + b.id, "aria-selected": "false", title: b.title,
      }, b.tab);
      b.button.addEventListener("click", () => select(b));
      b.button.addEventListener("keydown", (e) => moveTab(e, b));
      bar.appendChild(b.button);
    }
    return bar;
  }

  function moveTab(event, b) {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = boards[(boards.indexOf(b) + step + boards.length) % boards.length];
    select(next);
    next.button.focus();
  }

  function select(b) {
    current = b;
    for (const other of boards) {
      const on = other === b;
      other.button.setAttribute("aria-selected", on ? "true" : "false");
      other.button.tabIndex = on ? 0 : -1;
      other.section.hidden = !on;
    }
    findMe();
  }

  // ---- find me ----

  function findBox() {
    const wrap = el("div", { class: "find" });
    const label = el("label", { for: "find-me" }, "找到我 / Find me");
    const input = el("input", {
      id: "find-me", type: "search", autocomplete: "off", spellcheck: "false",
      placeholder: "昵称 / nickname",
    });
    input.addEventListener("input", findMe);
    wrap.appendChild(label);
    wrap.appendChild(input);
    return wrap;
  }

  function findMe() {
    const input = document.getElementById("find-me");
    const out = document.getElementById("find-me-result");
    const query = input.value.trim().toLocaleLowerCase();
    for (const tr of document.querySelectorAll("tr.me")) tr.classList.remove("me");
    out.className = "";
    out.textContent = "";
    if (!query || !current || !current.items) return;
    const matches = (it) => String(it.row.name).toLocaleLowerCase().includes(query);
    const hits = current.items.filter(matches);
    if (!hits.length) {
      out.textContent = "没有找到这个昵称 / no nickname matches on this board";
      return;
    }
    for (const it of hits) it.tr.classList.add("me");
    hits[0].tr.scrollIntoView({ block: "center" });
    out.className = "hit";
    out.textContent = rankText(current, hits);
  }

  function rankText(board, hits) {
    const row = hits[0].row;
    const n = board.rows.length;
    const mine = board.score(row);
    const lower = board.rows.filter((r) => {
      const s = board.score(r);
      return !missing(mine) && (missing(s) || s < mine);
    }).length;
    const share = Math.round((100 * lower) / n);
    let text = `${row.name}：你的排名 第 ${row.rank} 名（共 ${n} 人）` +
      ` / your rank ${row.rank} of ${n}` +
      `，超过了 ${share}% 的同学 / ahead of ${share}% of the cohort`;
    const more = hits.length - 1;
    if (more) text += `（另有 ${more} 个匹配 / ${more} more matches）`;
    return text;
  }

  // ---- page ----

  function main() {
    const root = document.getElementById("app");
    root.textContent = "";
    root.appendChild(header());
    const assignments = DATA.assignments || [];
    const sections = assignments.map(assignmentBoard).map((b) => b.section);
    sections.push(totalBoard(DATA.total || {}, assignments).section);
    const toolbar = el("div", { class: "toolbar" });
    toolbar.appendChild(tabBar());
    toolbar.appendChild(findBox());
    root.appendChild(toolbar);
    root.appendChild(el("p", { id: "find-me-result", role: "status", "aria-live": "polite" }));
    for (const s of sections) root.appendChild(s);
    // The first assignment anyone submitted to; an empty course opens on its first board.
    const firstWithRows = boards.find((b, i) => i < assignments.length && b.rows.length);
    select(firstWithRows || boards[0]);
    document.body.dataset.ready = "true";
  }

  main();
})();
