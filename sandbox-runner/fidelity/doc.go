// Package fidelity is the differential suite of issue 9: realistic content
// blocks, written the way people and AI assistants write them, are rendered in
// headless Chromium (the truth) and in Symposium's engine, and their body HTML
// and console text are compared.
//
// The package holds tests and test data only; nothing imports it, and the
// runner binary does not link it. The corpus lives in testdata/blocks/<category>/
// as txtar files with the members html, css, js and (optionally) data.json.
//
// Run it with
//
//	go test -count=1 ./sandbox-runner/fidelity/ -v
//
// FIDELITY_REPORT_ONLY=1 prints the report without failing below the target;
// FIDELITY_RUN=regexp limits the run to blocks whose category/name matches;
// FIDELITY_SHOW=regexp prints both full outputs of matching blocks;
// FIDELITY_TWICE=1 renders every block twice in Chromium and fails on any
// difference (the corpus must be deterministic); FIDELITY_DEBUG=1 prints
// the harness's steps of virtual time.
//
// How a block runs in Chromium, so that it sees what Symposium promises: the
// page is <!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}</style>
// </head><body>{html}<script>{js}</script></body></html>, so the block's JavaScript runs as a
// script at the end of body, before DOMContentLoaded. When the html is a whole
// page, the style joins the end of its head and the script goes just before
// its last </body>, after the page's own inline scripts. The block's script
// removes itself first (on its first line, after a "use strict" directive, so
// line numbers hold), as Symposium's script is not an element of the
// document. A prelude installed with Page.addScriptToEvaluateOnNewDocument
// (no element either) defines DATA before any script of the page, empties
// localStorage and sessionStorage, and keeps account of pending timers and
// animation frames, wrapping the native functions, which still do the work.
//
// Each of the two tabs has a browser context of its own (storage is not
// shared), time zone UTC and locale en-US. Time is CDP virtual time, granted
// step by step: up to the next pending timer, or one 60 Hz frame while
// animation frames are pending, until the document is complete and nothing is
// pending, or 60 s of virtual time have passed (Symposium's TimerHorizon;
// timers due later are not run, as on the server). So setTimeout(f, 2000)
// settles at once, as on Symposium's virtual clock, and frames interleave with
// timers as in a browser given the time. Headless Chromium draws frames on its
// compositor's clock, between steps of virtual time, so after each frame's
// worth of time the harness waits briefly (real time) for the frame. Known
// limit: under virtual time Chromium draws only when something on screen
// changed, so a frame callback that changes nothing (a loop that only counts
// frames) never gets its next frame; such a block is reported as a harness
// error, never as a match or a mismatch. A block whose render fails in
// Chromium is tried once more (a loaded machine can starve frames).
//
// The one normalisation, applied to both sides: a text node that is only
// whitespace between two tags is dropped, and so is whitespace at either end
// (inter-element whitespace does not render outside pre and textarea). The
// exact comparison is reported too, so a whitespace-only difference is still
// named, never hidden. Uncaught errors are compared by presence ("errors
// agree"; V8 and goja word messages differ); an exception the page reports
// and survives (a listener's, a custom element callback's), which Chromium
// sends as Runtime.exceptionThrown and Symposium's console carries as an
// "Uncaught ..." error line, counts as an error on both sides. A corpus block
// that throws in Chromium is a test failure unless its name says "throws".
//
// fetch: the page's fetch('/api/x') reaches the harness's loopback server
// (which serves only the pages, so it answers 404); Symposium's runs with a
// Host that sends the same request to the same server (host_test.go), as the
// supervisor would for an allowlisted origin.
//
// Console text is built from CDP Runtime.consoleAPICalled the way DevTools
// shows a collapsed message: strings as they are, objects {a: 1, b: 'x'},
// arrays (2) [1, 2], nested objects {…}, nested arrays Array(3), Map(1)
// {'a' => 1}, Set(2) {1, 2}, class instances Point {x: 1}, DOM nodes as their
// description (div#app.card), errors as their first line, a function as its
// source with ƒ for the keyword (ƒ one level down), array holes as empty or
// empty × n, private fields as #name. Levels: warning is
// warn; dir, table, trace, count, group and timeEnd are log; assert is error
// with "Assertion failed: " before its text; groupEnd prints nothing.
package fidelity
