// gen.mjs trims CLDR's own JSON release (the cldr-* npm packages, pinned in
// package.json to the CLDR version Node's ICU carries) into the compact
// per-locale files sandbox-runner/intl embeds. It copies CLDR data; it adds
// none. Run through `make intl-data` (npm ci && node gen.mjs).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const out = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'data');
fs.rmSync(out, { recursive: true, force: true });

// CLDR locale ids whose data is embedded: the required locales' CLDR files
// and their parents (en-GB and en-IN inherit from en-001).
const LOCALES = ['en', 'en-001', 'en-GB', 'en-IN', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'sv', 'pl', 'ru', 'tr',
  'ar', 'ar-EG', 'hi', 'ja', 'zh', 'ko',
  // regional variants real blocks use, whose data differs from their parent's
  'de-AT', 'de-CH', 'fr-BE', 'fr-CA', 'fr-CH', 'en-AU', 'en-CA', 'en-IE', 'en-NZ', 'en-SG', 'en-ZA', 'es-419', 'es-MX',
  'es-US', 'it-CH', 'nl-BE', 'pt-PT', 'zh-Hant', 'zh-Hant-HK'];
// ECMA-402's sanctioned simple units (IsSanctionedSingleUnitIdentifier).
const UNITS = ['acre', 'bit', 'byte', 'celsius', 'centimeter', 'day', 'degree', 'fahrenheit', 'fluid-ounce', 'foot',
  'gallon', 'gigabit', 'gigabyte', 'gram', 'hectare', 'hour', 'inch', 'kilobit', 'kilobyte', 'kilogram', 'kilometer',
  'liter', 'megabit', 'megabyte', 'meter', 'microsecond', 'mile', 'mile-scandinavian', 'milliliter', 'millimeter',
  'millisecond', 'minute', 'month', 'nanosecond', 'ounce', 'percent', 'petabyte', 'pound', 'second', 'stone',
  'terabit', 'terabyte', 'week', 'yard', 'year'];
// Compound units CLDR spells out (ICU prefers them over "X per Y").
const COMPOUNDS = ['kilometer-per-hour', 'mile-per-hour', 'meter-per-second', 'liter-per-kilometer', 'mile-per-gallon'];

const load = (pkg, loc, file) => require(`${pkg}/main/${loc}/${file}`).main[loc];
// Files are gzipped JSON: about a fifth of the size in the binary, and a
// section's inflate costs microseconds on its first use.
const gz = (v) => zlib.gzipSync(JSON.stringify(v), { level: 9 });
const write = (loc, name, v) => {
  fs.mkdirSync(path.join(out, loc), { recursive: true });
  fs.writeFileSync(path.join(out, loc, name + '.json.gz'), gz(v));
};
const pick = (o, keep) => Object.fromEntries(Object.entries(o).filter(([k]) => keep(k)));

for (const loc of LOCALES) {
  const n = load('cldr-numbers-full', loc, 'numbers.json').numbers;
  const ns = [...new Set(['latn', n.defaultNumberingSystem, n.otherNumberingSystems.native])];
  const num = pick(n, (k) => !k.startsWith('rational') && k !== 'minimalPairs' &&
    (!k.includes('-numberSystem-') || ns.includes(k.split('-numberSystem-')[1])));
  // compact patterns are most of the section and only notation "compact" reads them
  const compact = {};
  for (const s of ns) {
    const d = num['decimalFormats-numberSystem-' + s], c = num['currencyFormats-numberSystem-' + s];
    if (d) {
      compact['decimal-' + s] = { long: d.long?.decimalFormat, short: d.short?.decimalFormat };
      delete d.long; delete d.short;
    }
    if (c?.short) {
      compact['currency-' + s] = c.short.standard;
      delete c.short;
    }
  }
  write(loc, 'num', num);
  write(loc, 'compact', compact);
  write(loc, 'cur', load('cldr-numbers-full', loc, 'currencies.json').numbers.currencies);

  const u = load('cldr-units-full', loc, 'units.json').units;
  const units = {};
  for (const w of ['long', 'short', 'narrow']) {
    const t = {};
    for (const [k, v] of Object.entries(u[w])) {
      const id = k.replace(/^[a-z]+-/, '');
      if (k === 'per' || (UNITS.includes(id) || COMPOUNDS.includes(id)) && !(id in t)) {
        // grammatical case and gender variants are for message formatting, not Intl
        t[k === 'per' ? 'per' : id] = pick(v, (f) => !f.includes('-case-') && f !== 'gender');
      }
    }
    units[w] = t;
  }
  write(loc, 'unit', units);

  const g = load('cldr-dates-full', loc, 'ca-gregorian.json').dates.calendars.gregorian;
  // interval patterns only serve formatRange
  write(loc, 'interval', g.dateTimeFormats.intervalFormats);
  delete g.dateTimeFormats.intervalFormats;
  write(loc, 'date', { months: g.months, days: g.days, dayPeriods: g.dayPeriods, eras: g.eras,
    dateFormats: g.dateFormats, timeFormats: g.timeFormats, dateTimeFormats: g.dateTimeFormats, atTime: g['dateTimeFormats-atTime']?.standard,
    dateSkeletons: g.dateSkeletons, timeSkeletons: g.timeSkeletons });
  const tz = load('cldr-dates-full', loc, 'timeZoneNames.json').dates.timeZoneNames;
  const zones = {};
  const walk = (o, p) => {
    for (const [k, v] of Object.entries(o)) {
      if (k === 'exemplarCity') continue;
      if (v && typeof v === 'object' && !('standard' in v || 'generic' in v || 'daylight' in v)) walk(v, p + k + '/');
      else if (v && typeof v === 'object') (zones[p.replace(/\/$/, '')] ??= {})[k] = v;
    }
  };
  walk(tz.zone || {}, '');
  write(loc, 'tz', { hourFormat: tz.hourFormat, gmtFormat: tz.gmtFormat, gmtZeroFormat: tz.gmtZeroFormat,
    regionFormat: tz.regionFormat, fallbackFormat: tz.fallbackFormat, zone: zones, metazone: tz.metazone });
  const f = load('cldr-dates-full', loc, 'dateFields.json').dates.fields;
  const rel = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];
  write(loc, 'rel', pick(f, (k) => rel.includes(k.replace(/-(short|narrow)$/, ''))));
  write(loc, 'list', load('cldr-misc-full', loc, 'listPatterns.json').listPatterns);
  const ln = (file) => load('cldr-localenames-full', loc, file).localeDisplayNames;
  write(loc, 'names', { languages: ln('languages.json').languages, territories: ln('territories.json').territories,
    scripts: ln('scripts.json').scripts, pattern: ln('localeDisplayNames.json').localeDisplayPattern,
    types: ln('localeDisplayNames.json').types?.calendar, fields: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.displayName])) });
}

const supp = (f) => require(`cldr-core/supplemental/${f}`).supplemental;
const langs = [...new Set(LOCALES.map((l) => l.split('-')[0]))];
const mz = supp('metaZones.json').metaZones;
const zoneMap = {};
const walkZ = (o, p) => {
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v)) zoneMap[p + k] = v.map((e) => e.usesMetazone);
    else walkZ(v, p + k + '/');
  }
};
walkZ(mz.metazoneInfo.timezone, '');
const parents = supp('parentLocales.json').parentLocales.parentLocale;
// Supplemental data, split so a formatter decodes only what it uses.
const suppDir = path.join(out, 'supp');
fs.mkdirSync(suppDir, { recursive: true });
const put = (name, v) => fs.writeFileSync(path.join(suppDir, name + '.json.gz'), gz(v));
// likely scripts where a region changes a language's script (zh-TW is Hant)
const likely = supp('likelySubtags.json').likelySubtags;
const scriptOf = (t) => (likely[t] || '').split('-')[1];
const scripts = {};
for (const [k, v] of Object.entries(likely)) {
  const [l, r] = k.split('-');
  if (langs.includes(l) && r && /^[A-Z]{2}$/.test(r) && scriptOf(k) !== scriptOf(l)) scripts[k] = v.split('-')[1];
}
put('core', {
  cldr: require('cldr-core/package.json').version,
  locales: LOCALES,
  scripts,
  parents: pick(parents, (k) => LOCALES.includes(parents[k]) || LOCALES.includes(k)),
  digits: Object.fromEntries(Object.entries(supp('numberingSystems.json').numberingSystems).filter(([, v]) => v._type === 'numeric').map(([k, v]) => [k, v._digits])),
});
const cardinal = supp('plurals.json')['plurals-type-cardinal'];
const ordinal = supp('ordinals.json')['plurals-type-ordinal'];
const dayPeriods = supp('dayPeriods.json').dayPeriodRuleSet;
for (const l of langs) put('lang-' + l, { cardinal: cardinal[l], ordinal: ordinal[l], dayPeriods: dayPeriods[l] });
// regional plural rules (pt-PT's differ from pt's)
for (const l of LOCALES) {
  if (!langs.includes(l) && cardinal[l]) {
    const b = l.split('-')[0];
    put('lang-' + l, { cardinal: cardinal[l], ordinal: ordinal[l] || ordinal[b], dayPeriods: dayPeriods[l] || dayPeriods[b] });
  }
}
put('fractions', supp('currencyData.json').currencyData.fractions);
put('metazones', zoneMap);

