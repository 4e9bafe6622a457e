// record.js evaluates cases.js in Node (full ICU) and writes golden.json.
// Run with `make intl-golden`.
const fs = require('fs');
const cases = require('./cases.js');
const out = cases.map((expr) => {
  let v;
  try {
    const r = (0, eval)(expr);
    v = typeof r === 'string' ? r : r === undefined ? 'undefined' : JSON.stringify(r);
  } catch (e) {
    v = 'throws ' + e.name + ': ' + e.message;
  }
  return { expr, out: v };
});
const meta = { node: process.versions.node, icu: process.versions.icu, cldr: process.versions.cldr, tz: process.versions.tz };
fs.writeFileSync(__dirname + '/golden.json', JSON.stringify({ recordedWith: meta, cases: out }, null, 1) + '\n');
console.log(`${out.length} cases recorded with Node ${meta.node}, ICU ${meta.icu}, CLDR ${meta.cldr}, tz ${meta.tz}`);
