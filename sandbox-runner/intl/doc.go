// Package intl is ECMA-402 locale formatting (number, date, plural,
// relative time, list, collation, display names, segmentation) in pure Go,
// for a JavaScript engine that has none. Its locale data is CLDR's own JSON
// release, trimmed by gen/gen.mjs into data/ and embedded; a locale's data is
// decoded on first use, one section at a time, so a runtime that never
// formats pays nothing. Reference truth is what Node 20's full ICU prints.
package intl
