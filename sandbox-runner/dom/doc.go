// Package dom owns the document a content block's script edits inside the
// isolate: an x/net/html node tree plus its goja bindings (document, elements,
// text nodes, fragments, classList, dataset, style and node lists).
//
// Bindings are goja dynamic objects resolved through a static member table,
// so a runtime pays only for the nodes and methods a script actually touches;
// no JavaScript DOM library is loaded. Each goja.Runtime gets its own DOM and
// a Go node always maps to the same JS object within it.
package dom
