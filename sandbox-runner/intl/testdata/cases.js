// Conformance cases for sandbox-runner/intl: each is a JavaScript expression
// whose value (a string, else its JSON) or thrown "Name: message" must equal
// what Node's full ICU prints. record.js writes golden.json from them;
// engine/intl_test.go replays them through the engine.
const L = ['en-US', 'en-GB', 'en-IN', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'pt-BR', 'nl-NL', 'sv-SE', 'pl-PL',
  'ru-RU', 'tr-TR', 'ar-EG', 'hi-IN', 'ja-JP', 'zh-CN', 'ko-KR'];
const D = 'new Date(Date.UTC(2024, 0, 5, 13, 4, 5, 678))';
const S = 'new Date(Date.UTC(2024, 6, 15, 22, 30, 0))';
const c = [];
const nf = (l, o, x, m = 'format') => c.push(`new Intl.NumberFormat(${JSON.stringify(l)}, ${JSON.stringify(o)}).${m}(${x})`);
const df = (l, o, d = D, m = 'format') => c.push(`new Intl.DateTimeFormat(${JSON.stringify(l)}, ${JSON.stringify(o)}).${m}(${d})`);
for (const l of L) {
  nf(l, {}, '1234567.891');
  nf(l, {}, '-0.5');
  nf(l, { style: 'percent' }, '0.256');
  nf(l, { style: 'currency', currency: 'USD' }, '1234.5');
  nf(l, { style: 'currency', currency: 'EUR' }, '-1234.5');
  nf(l, { style: 'currency', currency: 'JPY' }, '1234.5');
  nf(l, { notation: 'compact' }, '1234567');
  nf(l, { notation: 'compact', compactDisplay: 'long' }, '2500');
  nf(l, { style: 'unit', unit: 'kilometer-per-hour' }, '88');
  nf(l, { style: 'unit', unit: 'liter', unitDisplay: 'long' }, '2');
  df(l, {});
  df(l, { dateStyle: 'full' });
  df(l, { dateStyle: 'medium', timeStyle: 'short' });
  df(l, { timeStyle: 'medium' });
  df(l, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  df(l, { month: 'short', day: 'numeric' });
  df(l, { hour: 'numeric', minute: '2-digit' });
  df(l, { year: 'numeric', month: '2-digit', day: '2-digit' });
  c.push(`new Intl.PluralRules(${JSON.stringify(l)}).select(2)`);
  c.push(`new Intl.RelativeTimeFormat(${JSON.stringify(l)}, {numeric: 'auto'}).format(-1, 'day')`);
  c.push(`new Intl.RelativeTimeFormat(${JSON.stringify(l)}).format(3, 'hours')`);
  c.push(`new Intl.ListFormat(${JSON.stringify(l)}).format(['a', 'b', 'c'])`);
  c.push(`(1234.5).toLocaleString(${JSON.stringify(l)})`);
  c.push(`${D}.toLocaleDateString(${JSON.stringify(l)})`);
  c.push(`${D}.toLocaleTimeString(${JSON.stringify(l)})`);
}
// number options, en-US and de-DE
for (const l of ['en-US', 'de-DE']) {
  for (const o of [{ minimumFractionDigits: 2 }, { maximumFractionDigits: 0 }, { minimumIntegerDigits: 3 },
    { maximumSignificantDigits: 3 }, { minimumSignificantDigits: 5 }, { useGrouping: false }, { useGrouping: 'min2' },
    { signDisplay: 'always' }, { signDisplay: 'exceptZero' }, { signDisplay: 'never' }, { notation: 'scientific' },
    { notation: 'engineering' }, { roundingMode: 'floor', maximumFractionDigits: 1 }, { roundingMode: 'halfEven', maximumFractionDigits: 0 },
    { style: 'currency', currency: 'USD', currencyDisplay: 'code' }, { style: 'currency', currency: 'USD', currencyDisplay: 'name' },
    { style: 'currency', currency: 'USD', currencyDisplay: 'narrowSymbol' }, { style: 'currency', currency: 'USD', currencySign: 'accounting' },
    { style: 'unit', unit: 'megabyte', unitDisplay: 'narrow' }, { style: 'unit', unit: 'celsius' }, { style: 'unit', unit: 'percent' },
    { notation: 'compact', maximumFractionDigits: 2 }, { trailingZeroDisplay: 'stripIfInteger', minimumFractionDigits: 2 }]) {
    nf(l, o, '12345.675');
    nf(l, o, '-2.5');
  }
}
for (const x of ['0', '-0', '1.005', '999999', '0.000123', 'NaN', 'Infinity', '123456789012345678901234567890n', '"1234567890.123456789"', '1e21', '2.5', '3.5']) {
  nf('en-US', {}, x);
}
for (const x of ['999', '999999', '1000', '1500000', '-987654321', '0.5']) nf('en-US', { notation: 'compact' }, x);
nf('en-US', { style: 'currency', currency: 'EUR', notation: 'compact' }, '1234567');
nf('en-US', { style: 'currency', currency: 'USD', currencySign: 'accounting' }, '-5');
nf('en-US', { style: 'currency', currency: 'USD' }, '-1234.5', 'formatToParts');
nf('de-DE', { style: 'currency', currency: 'EUR' }, '1234.5', 'formatToParts');
nf('en-US', { notation: 'compact' }, '1234567', 'formatToParts');
nf('en-US', { style: 'percent', signDisplay: 'always' }, '0.5', 'formatToParts');
nf('en-US', { notation: 'scientific' }, '-0.00012345', 'formatToParts');
nf('en-US', { style: 'unit', unit: 'kilometer', unitDisplay: 'long' }, '1', 'formatToParts');
for (const [l, o] of [['en-US', {}], ['en-US', { style: 'currency', currency: 'USD' }], ['de-DE', { style: 'currency', currency: 'EUR' }],
  ['en-US', { style: 'unit', unit: 'kilometer' }], ['en-US', { style: 'percent' }], ['en-US', { notation: 'compact' }]]) {
  c.push(`new Intl.NumberFormat(${JSON.stringify(l)}, ${JSON.stringify(o)}).formatRange(3, 5000)`);
  c.push(`new Intl.NumberFormat(${JSON.stringify(l)}, ${JSON.stringify(o)}).formatRange(3, 3)`);
}
c.push(`new Intl.NumberFormat('en-US').formatRange(-5, 5)`);
for (const o of [{}, { style: 'currency', currency: 'EUR' }, { notation: 'compact' }, { maximumSignificantDigits: 2 }, { style: 'unit', unit: 'hour', unitDisplay: 'long' }]) {
  c.push(`JSON.stringify(new Intl.NumberFormat('en-US', ${JSON.stringify(o)}).resolvedOptions())`);
}
// date options
for (const o of [{ weekday: 'short' }, { weekday: 'narrow' }, { era: 'short', year: 'numeric' }, { year: '2-digit' }, { month: 'narrow' },
  { month: 'long' }, { day: '2-digit' }, { hour: '2-digit', minute: '2-digit' }, { hour: 'numeric', hour12: false },
  { hour: 'numeric', hourCycle: 'h23' }, { hour: 'numeric', hourCycle: 'h11' }, { hour: 'numeric', minute: 'numeric', second: 'numeric', fractionalSecondDigits: 3 },
  { timeZone: 'America/New_York', timeZoneName: 'short', hour: 'numeric' }, { timeZone: 'America/Los_Angeles', timeZoneName: 'long', hour: 'numeric' },
  { timeZone: 'Asia/Kolkata', timeZoneName: 'shortOffset', hour: 'numeric', minute: 'numeric' }, { timeZone: 'Europe/Berlin', timeZoneName: 'longOffset', hour: 'numeric' },
  { timeZone: 'Asia/Tokyo', dateStyle: 'full', timeStyle: 'full' }, { timeZone: 'Europe/London', dateStyle: 'long', timeStyle: 'long' },
  { dateStyle: 'short' }, { timeStyle: 'short' }, { timeStyle: 'full' }, { month: 'long', year: 'numeric' }, { weekday: 'long', hour: 'numeric' },
  { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }, { dayPeriod: 'long', hour: 'numeric' }]) {
  for (const l of ['en-US', 'de-DE', 'ja-JP', 'fr-FR']) {
    df(l, o);
  }
  df('en-US', o, S);
}
for (const z of ['America/New_York', 'Europe/Paris', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo']) {
  df('en-US', { timeZone: z, dateStyle: 'medium', timeStyle: 'long' });
  df('en-US', { timeZone: z, dateStyle: 'medium', timeStyle: 'long' }, S);
}
df('en-US', { dateStyle: 'medium', timeStyle: 'short' }, D, 'formatToParts');
df('en-US', { weekday: 'long', month: 'long', day: 'numeric' }, D, 'formatToParts');
c.push(`new Intl.DateTimeFormat('en-US', {month: 'short', day: 'numeric'}).formatRange(${D}, ${S})`);
c.push(`new Intl.DateTimeFormat('en-US', {month: 'short', day: 'numeric', year: 'numeric'}).formatRange(${D}, new Date(Date.UTC(2024, 0, 9)))`);
c.push(`new Intl.DateTimeFormat('en-US', {hour: 'numeric', minute: 'numeric'}).formatRange(${D}, new Date(Date.UTC(2024, 0, 5, 15, 0)))`);
c.push(`new Intl.DateTimeFormat('en-US', {dateStyle: 'medium'}).formatRange(${D}, ${S})`);
c.push(`new Intl.DateTimeFormat('de-DE', {day: 'numeric', month: 'long', year: 'numeric'}).formatRange(${D}, new Date(Date.UTC(2024, 0, 9)))`);
for (const o of [{}, { dateStyle: 'full', timeZone: 'Asia/Tokyo' }, { hour: 'numeric', minute: 'numeric' }, { hour: 'numeric', hour12: false }, { weekday: 'short', month: 'numeric' }]) {
  c.push(`JSON.stringify(new Intl.DateTimeFormat('en-US', ${JSON.stringify(o)}).resolvedOptions())`);
}
c.push(`${D}.toLocaleString()`, `${D}.toLocaleString('en-US', {timeZone: 'America/Chicago'})`, `${D}.toLocaleDateString('en-US', {weekday: 'short', month: 'short', day: 'numeric'})`,
  `${D}.toLocaleTimeString('en-US', {hour: '2-digit', minute: '2-digit'})`, `new Date(NaN).toLocaleString()`);
// plural rules
for (const [l, n] of [['en-US', 1], ['en-US', 0], ['fr-FR', 1.5], ['ru-RU', 21], ['ru-RU', 5], ['ru-RU', 1.5], ['pl-PL', 22], ['pl-PL', 25], ['ar-EG', 0], ['ar-EG', 2], ['ar-EG', 11], ['ar-EG', 100]]) {
  c.push(`new Intl.PluralRules(${JSON.stringify(l)}).select(${n})`);
}
for (const n of [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101]) c.push(`new Intl.PluralRules('en-US', {type: 'ordinal'}).select(${n})`);
c.push(`JSON.stringify(new Intl.PluralRules('ru-RU').resolvedOptions().pluralCategories)`, `new Intl.PluralRules('en-US', {minimumFractionDigits: 1}).select(1)`);
// relative time
for (const [v, u] of [[-1, 'day'], [0, 'day'], [1, 'day'], [-2, 'day'], [1, 'week'], [-1, 'month'], [0, 'year'], [5, 'minutes'], [-30, 'second'], [1, 'quarter']]) {
  c.push(`new Intl.RelativeTimeFormat('en-US', {numeric: 'auto'}).format(${v}, '${u}')`);
  c.push(`new Intl.RelativeTimeFormat('de-DE', {numeric: 'auto'}).format(${v}, '${u}')`);
}
c.push(`new Intl.RelativeTimeFormat('en-US', {style: 'short'}).format(-3, 'month')`, `new Intl.RelativeTimeFormat('es-ES', {style: 'narrow'}).format(2, 'hour')`,
  `JSON.stringify(new Intl.RelativeTimeFormat('en-US').formatToParts(100, 'day'))`);
// lists
for (const o of [{ type: 'disjunction' }, { type: 'unit' }, { style: 'short' }, { style: 'narrow', type: 'unit' }]) {
  for (const l of ['en-US', 'de-DE', 'ja-JP']) c.push(`new Intl.ListFormat(${JSON.stringify(l)}, ${JSON.stringify(o)}).format(['x', 'y', 'z'])`);
}
c.push(`new Intl.ListFormat('en-US').format(['a', 'b'])`, `new Intl.ListFormat('es-ES').format(['agua', 'hielo'])`, `new Intl.ListFormat('en-US').format([])`,
  `JSON.stringify(new Intl.ListFormat('en-US').formatToParts(['a', 'b', 'c']))`);
// collator
for (const [a, b, o] of [['a', 'b', {}], ['b', 'a', {}], ['a', 'A', {}], ['a', 'A', { sensitivity: 'base' }], ['a', 'á', { sensitivity: 'base' }],
  ['a', 'á', { sensitivity: 'accent' }], ['item2', 'item10', {}], ['item2', 'item10', { numeric: true }], ['résumé', 'resume', {}], ['Zebra', 'apple', {}]]) {
  c.push(`new Intl.Collator('en-US', ${JSON.stringify(o)}).compare(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
}
c.push(`['ä', 'z', 'a'].sort(new Intl.Collator('de-DE').compare).join()`, `['ä', 'z', 'a'].sort(new Intl.Collator('sv-SE').compare).join()`,
  `'a'.localeCompare('b')`, `'a'.localeCompare('B', 'en-US', {sensitivity: 'base'})`);
// display names
for (const [l, t, code] of [['en-US', 'region', 'DE'], ['de-DE', 'region', 'US'], ['en-US', 'language', 'fr'], ['en-US', 'language', 'en-GB'],
  ['fr-FR', 'language', 'de'], ['en-US', 'currency', 'JPY'], ['ja-JP', 'currency', 'USD'], ['en-US', 'script', 'Latn'], ['en-US', 'region', '419'], ['zh-CN', 'region', 'JP']]) {
  c.push(`new Intl.DisplayNames(${JSON.stringify(l)}, {type: ${JSON.stringify(t)}}).of(${JSON.stringify(code)})`);
}
// segmenter
c.push(`Array.from(new Intl.Segmenter('en-US').segment('e\\u0301👍🏽!'), s => s.segment).join('|')`,
  `Array.from(new Intl.Segmenter('en-US', {granularity: 'word'}).segment('Hello, world 42!'), s => s.segment + ':' + s.isWordLike).join('|')`);
// locales
c.push(`JSON.stringify(Intl.getCanonicalLocales(['EN-us', 'de-de', 'zh-hans-cn']))`, `JSON.stringify(Intl.NumberFormat.supportedLocalesOf(['de-AT', 'fr-CA']))`,
  `new Intl.NumberFormat('de-AT').resolvedOptions().locale`, `new Intl.NumberFormat('en-AU', {style: 'currency', currency: 'AUD'}).format(5)`,
  `new Intl.NumberFormat('ar-EG').format(1234.5)`, `new Intl.NumberFormat('hi-IN').format(12345678)`, `new Intl.NumberFormat('en-IN').format(12345678)`,
  `[1234.5, ${D}].toLocaleString('de-DE', {timeZone: 'UTC'})`, `(12345n).toLocaleString('de-DE')`, `new Intl.NumberFormat('ar-EG', {numberingSystem: 'latn'}).format(1234.5)`);
// errors
c.push(`new Intl.NumberFormat('en', {style: 'bogus'})`, `new Intl.NumberFormat('en', {style: 'currency'})`, `new Intl.NumberFormat('en', {style: 'currency', currency: 'US'})`,
  `new Intl.NumberFormat('en', {style: 'unit', unit: 'parsec'})`, `new Intl.NumberFormat('en', {maximumFractionDigits: 101})`,
  `new Intl.NumberFormat('en', {minimumFractionDigits: 3, maximumFractionDigits: 1})`, `new Intl.NumberFormat('x-invalid-')`,
  `new Intl.DateTimeFormat('en', {timeZone: 'Foo/Bar'})`, `new Intl.DateTimeFormat('en').format(new Date(NaN))`,
  `new Intl.DateTimeFormat('en', {dateStyle: 'short', hour: 'numeric'})`, `new Intl.PluralRules('en', {type: 'x'})`,
  `new Intl.RelativeTimeFormat('en').format(1, 'decade')`, `Intl.PluralRules()`, `new Intl.NumberFormat('en').formatRange(NaN, 1)`,
  `(1).toLocaleString('en', {style: 'currency'})`, `new Intl.DateTimeFormat('en', {hourCycle: 'h25'})`);

// breadth: every listed locale through more of each API
const N = 'new Date(Date.UTC(2024, 10, 3, 0, 5, 9, 45))';
for (const l of L) {
  const q = JSON.stringify(l);
  nf(l, { style: 'currency', currency: 'EUR', currencyDisplay: 'name' }, '1');
  nf(l, { style: 'currency', currency: 'GBP', currencyDisplay: 'name' }, '2.5');
  nf(l, { style: 'currency', currency: 'USD', currencySign: 'accounting' }, '-42');
  nf(l, { style: 'currency', currency: 'INR' }, '1234567.891');
  nf(l, { notation: 'compact', compactDisplay: 'long' }, '1234567890');
  nf(l, { notation: 'compact' }, '-45678');
  nf(l, { notation: 'scientific' }, '987654.321');
  nf(l, { style: 'percent', minimumFractionDigits: 1 }, '-0.0456');
  nf(l, { style: 'unit', unit: 'kilogram', unitDisplay: 'long' }, '1');
  nf(l, { style: 'unit', unit: 'hour', unitDisplay: 'narrow' }, '5');
  nf(l, { style: 'unit', unit: 'gigabyte' }, '1.5');
  nf(l, { style: 'unit', unit: 'mile-per-hour', unitDisplay: 'long' }, '60');
  nf(l, { signDisplay: 'exceptZero' }, '0');
  nf(l, { maximumSignificantDigits: 2 }, '0.0012345');
  nf(l, {}, '12345678901234567890n');
  nf(l, { style: 'currency', currency: 'EUR' }, '1234.5', 'formatToParts');
  c.push(`new Intl.NumberFormat(${q}, {style: 'currency', currency: 'EUR'}).formatRange(10, 20)`);
  c.push(`new Intl.NumberFormat(${q}).formatRange(1000, 2000)`);
  df(l, { weekday: 'short' }, N);
  df(l, { month: 'long' }, N);
  df(l, { month: 'short', year: 'numeric' }, N);
  df(l, { year: 'numeric' }, N);
  df(l, { day: 'numeric', month: 'numeric' }, N);
  df(l, { hour: 'numeric' }, N);
  df(l, { hour: 'numeric', hour12: true }, N);
  df(l, { hour: 'numeric', minute: 'numeric', hour12: false }, N);
  df(l, { minute: '2-digit', second: '2-digit' }, N);
  df(l, { era: 'long', year: 'numeric', month: 'long', day: 'numeric' }, N);
  df(l, { dateStyle: 'long' }, N);
  df(l, { dateStyle: 'short', timeStyle: 'short' }, N);
  df(l, { dateStyle: 'full', timeStyle: 'long', timeZone: 'America/New_York' }, N);
  df(l, { timeZone: 'Europe/Paris', timeZoneName: 'short', hour: 'numeric', minute: 'numeric' }, N);
  df(l, { timeZone: 'Asia/Tokyo', timeZoneName: 'long', hour: 'numeric' }, N);
  df(l, { weekday: 'long', day: 'numeric', month: 'long' }, N, 'formatToParts');
  c.push(`new Intl.DateTimeFormat(${q}, {month: 'long', day: 'numeric'}).formatRange(${D}, new Date(Date.UTC(2024, 0, 20)))`);
  c.push(`new Intl.DateTimeFormat(${q}, {year: 'numeric', month: 'short', day: 'numeric'}).formatRange(${D}, ${N})`);
  c.push(`new Intl.DateTimeFormat(${q}, {hour: 'numeric', minute: 'numeric'}).formatRange(${D}, new Date(Date.UTC(2024, 0, 5, 18, 30)))`);
  c.push(`JSON.stringify(new Intl.DateTimeFormat(${q}, {hour: 'numeric'}).resolvedOptions())`);
  c.push(`new Intl.PluralRules(${q}, {type: 'ordinal'}).select(2)`);
  c.push(`new Intl.PluralRules(${q}).select(1)`);
  c.push(`new Intl.PluralRules(${q}).select(0)`);
  c.push(`new Intl.RelativeTimeFormat(${q}, {numeric: 'auto'}).format(1, 'day')`);
  c.push(`new Intl.RelativeTimeFormat(${q}, {numeric: 'auto'}).format(-1, 'week')`);
  c.push(`new Intl.RelativeTimeFormat(${q}, {style: 'short'}).format(-5, 'minute')`);
  c.push(`new Intl.RelativeTimeFormat(${q}).format(2, 'year')`);
  c.push(`new Intl.ListFormat(${q}, {type: 'disjunction'}).format(['a', 'b', 'c'])`);
  c.push(`new Intl.ListFormat(${q}, {type: 'unit', style: 'short'}).format(['a', 'b'])`);
  c.push(`new Intl.DisplayNames(${q}, {type: 'region'}).of('FR')`);
  c.push(`new Intl.DisplayNames(${q}, {type: 'language'}).of('ja')`);
  c.push(`new Intl.DisplayNames(${q}, {type: 'currency'}).of('EUR')`);
  c.push(`(1234.5).toLocaleString(${q}, {style: 'currency', currency: 'USD'})`);
  c.push(`${N}.toLocaleString(${q})`);
  c.push(`${N}.toLocaleString(${q}, {timeZone: 'Asia/Kolkata'})`);
}
c.push(`new Intl.NumberFormat('en-US', {roundingIncrement: 5, maximumFractionDigits: 2, minimumFractionDigits: 2}).format(1.234)`,
  `new Intl.NumberFormat('en-US', {roundingPriority: 'lessPrecision', maximumSignificantDigits: 3, maximumFractionDigits: 1}).format(1.23456)`,
  `new Intl.NumberFormat('en-US', {roundingPriority: 'morePrecision', maximumSignificantDigits: 3, maximumFractionDigits: 1}).format(1.23456)`,
  `new Intl.NumberFormat('en-US', {roundingMode: 'ceil', maximumFractionDigits: 0}).format(-1.5)`,
  `new Intl.NumberFormat('en-US', {roundingMode: 'expand', maximumFractionDigits: 0}).format(1.1)`,
  `new Intl.NumberFormat('en-US', {roundingMode: 'trunc', maximumFractionDigits: 0}).format(-1.9)`,
  `new Intl.NumberFormat('en-US', {roundingMode: 'halfTrunc', maximumFractionDigits: 0}).format(2.5)`,
  `new Intl.NumberFormat('en-US', {roundingMode: 'halfFloor', maximumFractionDigits: 0}).format(2.5)`,
  `new Intl.NumberFormat('en-US', {roundingMode: 'halfCeil', maximumFractionDigits: 0}).format(-2.5)`,
  `new Intl.NumberFormat('en-US', {signDisplay: 'negative'}).format(-0)`,
  `new Intl.NumberFormat('en-US', {signDisplay: 'negative'}).format(-1)`,
  `new Intl.NumberFormat('en-US', {useGrouping: 'always'}).format(1234)`,
  `new Intl.NumberFormat('es-ES', {useGrouping: 'always'}).format(1234)`,
  `new Intl.NumberFormat('es-ES').format(12345)`,
  `new Intl.NumberFormat('pl-PL').format(1234)`,
  `new Intl.NumberFormat('en-US', {notation: 'engineering'}).format(0.00012)`,
  `new Intl.NumberFormat('en-US', {notation: 'compact', compactDisplay: 'long'}).format(1e15)`,
  `new Intl.NumberFormat('ja-JP', {notation: 'compact'}).format(123456789)`,
  `new Intl.NumberFormat('ko-KR', {notation: 'compact'}).format(12345)`,
  `new Intl.NumberFormat('zh-CN', {notation: 'compact', compactDisplay: 'long'}).format(1234567)`,
  `new Intl.NumberFormat('hi-IN', {notation: 'compact'}).format(1234567)`,
  `new Intl.NumberFormat('de-DE', {notation: 'compact', compactDisplay: 'long'}).format(1000000)`,
  `new Intl.NumberFormat('fr-FR', {notation: 'compact', compactDisplay: 'long'}).format(2000000)`,
  `new Intl.NumberFormat('en-US', {style: 'currency', currency: 'JPY', currencyDisplay: 'name'}).format(1)`,
  `new Intl.NumberFormat('en-US', {style: 'currency', currency: 'KWD'}).format(1.2345)`,
  `new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD', signDisplay: 'always'}).format(5)`,
  `new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD', currencySign: 'accounting', signDisplay: 'always'}).format(5)`,
  `new Intl.NumberFormat('en-US', {style: 'currency', currency: 'CAD', currencyDisplay: 'narrowSymbol'}).format(5)`,
  `new Intl.NumberFormat('en-US', {style: 'unit', unit: 'byte', unitDisplay: 'long'}).format(1)`,
  `new Intl.NumberFormat('en-US', {style: 'unit', unit: 'fahrenheit', unitDisplay: 'narrow'}).format(72)`,
  `new Intl.NumberFormat('en-US', {style: 'unit', unit: 'liter-per-kilometer'}).format(3)`,
  `new Intl.NumberFormat('en-US', {style: 'unit', unit: 'megabit-per-second', unitDisplay: 'long'}).format(100)`,
  `new Intl.NumberFormat('en-US', {style: 'unit', unit: 'kilobyte-per-second'}).format(100)`,
  `new Intl.NumberFormat('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2}).formatRange(1, 1.001)`,
  `new Intl.NumberFormat('en-US').formatRange(5, 3)`,
  `JSON.stringify(new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD'}).formatRangeToParts(3, 5))`,
  `new Intl.DateTimeFormat('en-US', {hour: 'numeric', hourCycle: 'h24'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {hour: 'numeric', minute: 'numeric', hourCycle: 'h23'}).format(${N})`,
  `new Intl.DateTimeFormat('ja-JP', {hour: 'numeric', hourCycle: 'h12'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US-u-hc-h23', {hour: 'numeric'}).format(${N})`,
  `new Intl.DateTimeFormat('ar-EG-u-nu-latn', {dateStyle: 'medium'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {timeZone: 'America/New_York', timeZoneName: 'shortGeneric', hour: 'numeric'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {timeZone: 'America/New_York', timeZoneName: 'longGeneric', hour: 'numeric'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {timeZone: 'Africa/Abidjan', timeZoneName: 'longOffset', hour: 'numeric'}).format(${N})`,
  `new Intl.DateTimeFormat('de-DE', {timeZone: 'Africa/Abidjan', timeZoneName: 'short', hour: 'numeric'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {timeZone: 'Asia/Kathmandu', timeZoneName: 'short', hour: 'numeric', minute: 'numeric'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {timeZone: 'america/new_york'}).resolvedOptions().timeZone`,
  `new Intl.DateTimeFormat('en-US', {timeZone: 'Etc/UTC'}).resolvedOptions().timeZone`,
  `new Intl.DateTimeFormat('en-US', {year: 'numeric', month: 'long', day: 'numeric'}).format(new Date(Date.UTC(-50, 0, 1)))`,
  `new Intl.DateTimeFormat('en-US', {era: 'short', year: 'numeric'}).format(new Date(Date.UTC(-50, 0, 1)))`,
  `new Intl.DateTimeFormat('en-US', {month: 'numeric', day: 'numeric', year: '2-digit'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', timeZoneName: 'short'}).format(${N})`,
  `new Intl.DateTimeFormat('en-GB', {weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {dayPeriod: 'short'}).format(${N})`,
  `new Intl.DateTimeFormat('en-US', {dayPeriod: 'narrow', hour: 'numeric'}).format(${D})`,
  `new Intl.DateTimeFormat('en-US', {fractionalSecondDigits: 2}).format(${D})`,
  `new Intl.DateTimeFormat('en-US', {timeStyle: 'short'}).formatRange(${D}, new Date(Date.UTC(2024, 0, 5, 15, 0)))`,
  `new Intl.DateTimeFormat('en-US', {year: 'numeric'}).formatRange(${D}, new Date(Date.UTC(2026, 0, 5)))`,
  `new Intl.DateTimeFormat('en-US').formatRange(${D}, ${D})`,
  `JSON.stringify(new Intl.DateTimeFormat('en-US', {month: 'short', day: 'numeric'}).formatRangeToParts(${D}, new Date(Date.UTC(2024, 0, 9))))`,
  `new Date(Date.UTC(2024, 2, 10, 6, 59)).toLocaleString('en-US', {timeZone: 'America/New_York', timeZoneName: 'short'})`,
  `new Date(Date.UTC(2024, 2, 10, 7, 0)).toLocaleString('en-US', {timeZone: 'America/New_York', timeZoneName: 'short'})`,
  `new Date(Date.UTC(2024, 9, 27, 0, 59)).toLocaleString('en-GB', {timeZone: 'Europe/London', timeZoneName: 'long'})`,
  `new Date(Date.UTC(2024, 9, 27, 1, 0)).toLocaleString('en-GB', {timeZone: 'Europe/London', timeZoneName: 'long'})`,
  `new Intl.DateTimeFormat('en-US', {month: 'long'}).formatToParts(${N}).map(p => p.type).join()`,
  `new Intl.DateTimeFormat('en', {timeZone: 'Mars/Olympus'})`,
  `new Intl.DateTimeFormat('en', {timeStyle: 'short', hour: 'numeric'})`,
  `new Intl.DateTimeFormat('en', {fractionalSecondDigits: 4})`,
  `new Intl.DateTimeFormat('en').formatRange(${D}, undefined)`,
  `new Intl.NumberFormat('en', {signDisplay: 'x'})`,
  `new Intl.NumberFormat('en', {style: 'unit'})`,
  `new Intl.NumberFormat('en', {roundingIncrement: 3})`,
  `new Intl.NumberFormat('en', {notation: 'compact', compactDisplay: 'x'})`,
  `new Intl.NumberFormat('en').formatRange(1)`,
  `Intl.getCanonicalLocales([1])`,
  `new Intl.Collator('en', {sensitivity: 'x'})`,
  `new Intl.Segmenter('en', {granularity: 'x'})`,
  `new Intl.DisplayNames('en')`,
  `new Intl.DisplayNames('en', {type: 'region'}).of('1')`,
  `new Intl.ListFormat('en').format([1])`,
  `JSON.stringify(Intl.getCanonicalLocales('EN'))`,
  `JSON.stringify(Intl.getCanonicalLocales([]))`,
  `JSON.stringify(Intl.getCanonicalLocales(['en-US', 'en-us']))`,
  `JSON.stringify(Intl.DateTimeFormat.supportedLocalesOf('ja-JP'))`,
  `typeof Intl`, `Object.prototype.toString.call(Intl.NumberFormat.prototype)`, `Intl.NumberFormat.name`,
  `new Intl.NumberFormat() instanceof Intl.NumberFormat`, `Intl.NumberFormat('de-DE').format(1234.5)`, `Intl.DateTimeFormat('en-US', {timeZone: 'UTC'}).format(${D})`,
  `[1, 2, 3].map(new Intl.NumberFormat('de-DE', {minimumFractionDigits: 1}).format).join(' ')`,
  `new Intl.NumberFormat('en-US', {style: 'percent'}).format('0.125')`,
  `new Intl.NumberFormat('en-US', {maximumFractionDigits: 20}).format(0.1 + 0.2)`,
  `new Intl.NumberFormat('en-US').format(123456789.987654321)`,
  `new Intl.NumberFormat('en-US').format(-1e-7)`,
  `new Intl.NumberFormat('en-US', {notation: 'scientific'}).format(0)`,
  `new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD'}).format(-0)`,
  `new Intl.NumberFormat('ar-EG', {style: 'percent'}).format(0.5)`,
  `new Intl.NumberFormat('ar-EG', {style: 'currency', currency: 'EGP'}).format(-1234.5)`,
  `new Intl.NumberFormat('tr-TR', {style: 'percent'}).format(0.5)`,
  `new Intl.NumberFormat('hi-IN', {numberingSystem: 'deva'}).format(1234.5)`,
  `new Intl.NumberFormat('en-US-u-nu-arab').format(1234.5)`,
  `new Intl.NumberFormat('en-US-u-nu-arab').resolvedOptions().locale`,
  `new Intl.Collator('en-US', {sensitivity: 'case'}).compare('a', 'á')`,
  `new Intl.Collator('en-US', {sensitivity: 'case'}).compare('a', 'A')`,
  `new Intl.Collator('en-US', {ignorePunctuation: true}).compare('a-b', 'ab')`,
  `['Z', 'a', 'z', 'ä', 'A'].sort(new Intl.Collator('en-US').compare).join()`,
  `['10', '9', '2', '1'].sort(new Intl.Collator('en-US', {numeric: true}).compare).join()`,
  `['b', 'a', 'C'].sort((x, y) => x.localeCompare(y)).join()`,
  `JSON.stringify(new Intl.Collator('en-US').resolvedOptions())`,
  `Array.from(new Intl.Segmenter('ja-JP', {granularity: 'word'}).segment('今日は良い天気'), s => s.segment).join('|')`,
  `Array.from(new Intl.Segmenter('en-US', {granularity: 'sentence'}).segment('Hi there. How are you? Fine!'), s => s.segment).join('|')`,
  `new Intl.Segmenter('en-US').segment('a👍🏽b').containing(1).segment`,
  `Array.from(new Intl.Segmenter('en-US').segment('👨‍👩‍👧'), s => s.index).join()`,
  `new Intl.DisplayNames('en-US', {type: 'language', languageDisplay: 'standard'}).of('en-GB')`,
  `new Intl.DisplayNames('en-US', {type: 'region', style: 'short'}).of('GB')`,
  `new Intl.DisplayNames('en-US', {type: 'region', fallback: 'none'}).of('XZ')`,
  `new Intl.DisplayNames('en-US', {type: 'region'}).of('XZ')`,
  `new Intl.DisplayNames('en-US', {type: 'calendar'}).of('gregory')`,
  `new Intl.DisplayNames('en-US', {type: 'dateTimeField'}).of('weekday')`,
  `new Intl.DisplayNames('de-DE', {type: 'dateTimeField'}).of('year')`,
  `new Intl.RelativeTimeFormat('en-US', {numeric: 'auto'}).format(-0, 'second')`,
  `new Intl.RelativeTimeFormat('en-US').format(1.5, 'hour')`,
  `new Intl.RelativeTimeFormat('en-US').format(-1, 'days')`,
  `new Intl.RelativeTimeFormat('ru-RU').format(-21, 'day')`,
  `new Intl.RelativeTimeFormat('ar-EG').format(-2, 'day')`,
  `JSON.stringify(new Intl.RelativeTimeFormat('en-US', {style: 'narrow'}).resolvedOptions())`,
  `JSON.stringify(new Intl.ListFormat('en-US', {type: 'unit'}).resolvedOptions())`,
  `JSON.stringify(new Intl.PluralRules('en-US', {type: 'ordinal'}).resolvedOptions())`,
  `new Intl.PluralRules('en-US').select(1.0)`, `new Intl.PluralRules('en-US', {minimumFractionDigits: 2}).select(1)`,
  `new Intl.PluralRules('fr-FR').select(1000000)`, `new Intl.PluralRules('pt-BR').select(0)`, `new Intl.PluralRules('ja-JP').select(1)`,
  `(0.256).toLocaleString('en-US', {style: 'percent', minimumFractionDigits: 1})`, `(1e6).toLocaleString()`, `(NaN).toLocaleString('de-DE')`,
  `(-Infinity).toLocaleString('en-US')`, `(5).toLocaleString('xx')`, `(5).toLocaleString(['xx', 'de-DE'], {minimumFractionDigits: 2})`,
  `${N}.toLocaleDateString('en-US', {dateStyle: 'medium'})`, `${N}.toLocaleTimeString('en-US', {timeStyle: 'short'})`,
  `${N}.toLocaleDateString('en-US', {hour: 'numeric'})`, `${N}.toLocaleTimeString('en-US', {weekday: 'long'})`,
  `${N}.toLocaleDateString(undefined, {timeZone: 'Pacific/Auckland'})`, `[1e6, 'x', null, undefined, 2.5].toLocaleString('en-US')`,
  `(10n ** 20n).toLocaleString('en-IN')`, `(-5n).toLocaleString('en-US', {style: 'currency', currency: 'EUR'})`);
// receivers
c.push(`Intl.NumberFormat.prototype.formatToParts.call({}, 1)`, `Intl.NumberFormat.prototype.resolvedOptions.call(5)`,
  `Object.getOwnPropertyDescriptor(Intl.DateTimeFormat.prototype, 'format').get.call({})`, `Intl.DateTimeFormat.prototype.formatToParts.call('x')`,
  `Object.getOwnPropertyDescriptor(Intl.Collator.prototype, 'compare').get.call({})`, `Intl.PluralRules.prototype.select.call(new Intl.NumberFormat(), 1)`,
  `Intl.ListFormat.prototype.format.call(null, [])`, `Intl.NumberFormat.prototype.formatToParts.call(Intl.NumberFormat.prototype, 1)`,
  `Intl.RelativeTimeFormat.prototype.format.call([], 1, 'day')`, `Intl.DisplayNames.prototype.of.call({}, 'x')`,
  `Object.prototype.toString.call(new Intl.DateTimeFormat())`, `typeof new Intl.DateTimeFormat().format`, `new Intl.NumberFormat().format === new Intl.NumberFormat().format`);
// sweep: component and style options across every listed locale
{
const dates = ['new Date(Date.UTC(2023, 11, 31, 23, 59, 59))', 'new Date(Date.UTC(2025, 5, 1, 12, 0, 0))'];
const opts = [{weekday:'long'},{era:'narrow', year:'numeric'},{year:'2-digit', month:'2-digit'},{month:'narrow'},{month:'short', day:'2-digit'},
 {hour:'2-digit'},{hour:'numeric', minute:'2-digit', second:'2-digit'},{hour:'numeric', hour12:true, minute:'numeric'},{dayPeriod:'short', hour:'numeric'},
 {timeZoneName:'shortOffset'},{timeZoneName:'long', timeZone:'America/Los_Angeles'},{timeStyle:'long', timeZone:'Asia/Tokyo'},{dateStyle:'medium'},
 {dateStyle:'full', timeStyle:'medium'},{weekday:'short', hour:'numeric', minute:'numeric'},{year:'numeric', month:'long'},{month:'long', day:'numeric', hour:'numeric'}];
for (const l of L) for (const o of opts) for (const d of dates) c.push(`new Intl.DateTimeFormat(${JSON.stringify(l)}, ${JSON.stringify({timeZone:'UTC', ...o})}).format(${d})`);
const nopts = [{style:'currency', currency:'JPY', currencyDisplay:'name'},{style:'currency', currency:'CHF'},{style:'currency', currency:'CNY', currencyDisplay:'narrowSymbol'},
 {style:'unit', unit:'day', unitDisplay:'long'},{style:'unit', unit:'centimeter', unitDisplay:'narrow'},{style:'unit', unit:'kilobyte', unitDisplay:'short'},
 {notation:'compact', compactDisplay:'short'},{notation:'compact', compactDisplay:'long'},{style:'percent', signDisplay:'exceptZero'},{notation:'engineering'}];
for (const l of L) for (const o of nopts) for (const x of ['0.5', '1', '2', '5', '21', '1500', '-98765.4321']) c.push(`new Intl.NumberFormat(${JSON.stringify(l)}, ${JSON.stringify(o)}).format(${x})`);
for (const l of L) for (const [v,u] of [[-1,'year'],[2,'month'],[-3,'week'],[0,'hour'],[1,'minute'],[10,'second']]) for (const st of ['long','short','narrow']) c.push(`new Intl.RelativeTimeFormat(${JSON.stringify(l)}, {numeric:'auto', style:'${st}'}).format(${v}, '${u}')`);
}
// regional variants with their own CLDR data, and fallbacks through the parent chain
for (const l of ['de-AT', 'de-CH', 'fr-CA', 'fr-CH', 'en-AU', 'en-CA', 'es-MX', 'pt-PT', 'zh-TW', 'it-CH', 'nl-BE', 'en-NZ', 'es-AR', 'en-JM']) {
  const q = JSON.stringify(l);
  c.push(`new Intl.NumberFormat(${q}, {style: 'currency', currency: 'CHF'}).format(120000)`,
    `new Intl.NumberFormat(${q}, {style: 'currency', currency: 'EUR'}).format(-1234.5)`,
    `new Intl.NumberFormat(${q}).format(1234567.891)`,
    `new Intl.NumberFormat(${q}, {notation: 'compact'}).format(1234567)`,
    `new Intl.DateTimeFormat(${q}, {dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC'}).format(${D})`,
    `new Intl.DateTimeFormat(${q}, {timeZone: 'UTC'}).format(${D})`,
    `new Intl.PluralRules(${q}).select(0)`, `new Intl.PluralRules(${q}).resolvedOptions().locale`,
    `new Intl.NumberFormat(${q}).resolvedOptions().locale`);
}
c.push(`new Intl.NumberFormat('tr', {style: 'currency', currency: 'USD', currencySign: 'accounting'}).format(-42)`,
  `new Intl.NumberFormat('tr', {style: 'currency', currency: 'EUR', currencyDisplay: 'name'}).format(1)`);
for (const l of ['ja-JP', 'zh-CN', 'en-GB', 'de-DE', 'en-US', 'ko-KR', 'fr-FR'])
  c.push(`new Date(Date.UTC(2024, 9, 27, 0, 59)).toLocaleString(${JSON.stringify(l)}, {timeZone: 'Europe/London', timeZoneName: 'long'})`,
    `new Date(Date.UTC(2024, 9, 27, 0, 59)).toLocaleTimeString(${JSON.stringify(l)}, {timeZone: 'Asia/Tokyo', timeZoneName: 'short'})`);
module.exports = c;
