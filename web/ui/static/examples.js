// The gallery of the empty state: blocks that show what Symposium does,
// including the limits. Every one runs as shown.
export const EXAMPLES = [
  {
    id: "chart",
    title: "Bar chart from DATA",
    blurb: "The script reads the block's JSON data and draws a chart into the page.",
    code: {
      html: '<h2>Visitors per day</h2>\n<div id="chart" class="chart"></div>\n<p id="total"></p>',
      css: "body { font-family: system-ui, sans-serif; margin: 16px; color: #1d2330; }\n.chart { display: grid; gap: 6px; }\n.row { display: grid; grid-template-columns: 48px 1fr 44px; align-items: center; gap: 8px; }\n.bar { height: 18px; border-radius: 4px; background: linear-gradient(90deg, #4263eb, #7950f2); }\n.value { font-variant-numeric: tabular-nums; text-align: right; }",
      javascript: "const chart = document.getElementById('chart');\nconst top = Math.max(...DATA.days.map((d) => d.visitors));\nfor (const d of DATA.days) {\n  const row = document.createElement('div');\n  row.className = 'row';\n  row.innerHTML = `<span>${d.day}</span><div class=\"bar\" style=\"width: ${(100 * d.visitors / top).toFixed(1)}%\"></div><span class=\"value\">${d.visitors}</span>`;\n  chart.appendChild(row);\n}\nconst total = DATA.days.reduce((s, d) => s + d.visitors, 0);\ndocument.getElementById('total').textContent = `${total} visitors this week`;\nconsole.log('drew', DATA.days.length, 'bars; busiest day has', top);",
    },
    data: { days: [{ day: "Mon", visitors: 120 }, { day: "Tue", visitors: 180 }, { day: "Wed", visitors: 150 }, { day: "Thu", visitors: 240 }, { day: "Fri", visitors: 310 }, { day: "Sat", visitors: 90 }, { day: "Sun", visitors: 60 }] },
  },
  {
    id: "report",
    title: "A card list from data",
    blurb: "Templates plus data: the server renders the list, the preview shows the result.",
    code: {
      html: '<main>\n  <h2>Team</h2>\n  <ul id="people"></ul>\n</main>',
      css: "body { font-family: system-ui, sans-serif; margin: 16px; }\nul { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }\nli { border: 1px solid #dfe3ea; border-radius: 8px; padding: 10px; }\n.role { color: #6b7280; font-size: 13px; }",
      javascript: "const ul = document.getElementById('people');\nfor (const p of DATA.people) {\n  const li = document.createElement('li');\n  const name = document.createElement('strong');\n  name.textContent = p.name;\n  const role = document.createElement('div');\n  role.className = 'role';\n  role.textContent = p.role;\n  li.append(name, role);\n  ul.appendChild(li);\n}\nconsole.info(DATA.people.length + ' people rendered');",
    },
    data: { people: [{ name: "Ada", role: "Engineering" }, { name: "Grace", role: "Compilers" }, { name: "Linus", role: "Kernel" }, { name: "Barbara", role: "Languages" }] },
  },
  {
    id: "counter",
    title: "Interactive counter",
    blurb: "Click the buttons: each click runs the block's listener on the server, and the new page comes back. No block script runs in your browser.",
    code: {
      html: '<div class="counter">\n  <button id="dec" type="button" aria-label="One less">−</button>\n  <output id="count">0</output>\n  <button id="inc" type="button" aria-label="One more">+</button>\n</div>',
      css: ".counter { font-family: system-ui, sans-serif; display: inline-flex; align-items: center; gap: 12px; margin: 16px; padding: 12px 18px; border-radius: 10px; background: #edf2ff; }\n#count { font-size: 40px; font-weight: 700; color: #3b5bdb; min-width: 2ch; text-align: center; }\nbutton { font-size: 22px; width: 44px; height: 44px; border-radius: 8px; border: 1px solid #bac8ff; background: #fff; cursor: pointer; }",
      javascript: "let count = DATA.start + DATA.clicks;\nconst out = document.getElementById('count');\nfunction show() {\n  out.textContent = String(count);\n  console.log('count is', count);\n}\ndocument.getElementById('inc').addEventListener('click', () => { count++; show(); });\ndocument.getElementById('dec').addEventListener('click', () => { count--; show(); });\nshow();",
    },
    data: { start: 40, clicks: 2 },
  },
  {
    id: "error",
    title: "A script error",
    blurb: "An exception is reported with its message and line numbers.",
    code: {
      html: '<p id="out">before the error</p>',
      css: "",
      javascript: "function parse(text) {\n  return JSON.parse(text);\n}\nconsole.log('about to parse');\nparse('{not json');",
    },
    data: null,
  },
  {
    id: "timeout",
    title: "Hits the time limit",
    blurb: "An endless loop: the supervisor stops it when the time limit is reached.",
    code: { html: "<p>This block never finishes.</p>", css: "", javascript: "console.log('looping forever…');\nwhile (true) {}" },
    data: null,
  },
  {
    id: "memory",
    title: "Hits the memory limit",
    blurb: "Keeps allocating: the kernel's cgroup limit ends it.",
    code: { html: "<p>This block runs out of memory.</p>", css: "", javascript: "const keep = [];\nconsole.log('allocating 16 MB at a time…');\nwhile (true) keep.push('x'.repeat(1 << 24) + keep.length);" },
    data: null,
  },
];
