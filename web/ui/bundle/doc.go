// Command bundle builds web/ui/static/editor.js, the page's CodeMirror
// editors, from web/ui/frontend (npm packages at the versions pinned in its
// package-lock.json) with esbuild's Go API. `make ui` runs it.
//
// The bundle is committed, so `go build` works from a clean clone without
// npm. Its first line records a hash of every input (the lock file and the
// sources); when the inputs hash the same, nothing is done and no network is
// needed. Otherwise it runs `npm ci` (only when node_modules does not match
// the lock file) and rebuilds.
package main
