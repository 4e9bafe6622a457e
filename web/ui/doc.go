// Package ui owns the browser page at "/": the block editors (CodeMirror 6)
// with the sandboxed preview and console, the example gallery and the live
// dashboard. Everything is embedded in the binary. The editor bundle
// (static/editor.js) is built from the npm packages pinned in
// frontend/package-lock.json by the bundle command (`make ui`) and
// committed; the other modules are served as written. The page talks to the
// REST API and to the WebSocket of package live.
package ui
