// Package ui owns the browser page at "/": the block editor with its
// sandboxed preview and the live dashboard. The HTML, CSS and JavaScript
// modules are embedded in the binary and need no build step; the page talks
// to the REST API and to the WebSocket of package live.
package ui
