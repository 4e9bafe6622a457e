// Package dom owns the document a content block's script edits inside the
// isolate: an x/net/html node tree plus its goja bindings (document, elements,
// text nodes, fragments and template contents, classList, dataset, style,
// node lists and live collections, form control state, tables, events), and
// its serialisation as Chromium writes it (serialize.go, cssvalue.go).
//
// Bindings are goja dynamic objects resolved through a static member table,
// so a runtime pays only for the nodes and methods a script actually touches.
// The event machinery (EventTarget, Event classes, AbortController,
// FormData, click() default actions) is a small JavaScript file, events.js,
// compiled once per process and run in a runtime only when its script first
// touches one of them. Each goja.Runtime gets its own DOM and a Go node
// always maps to the same JS object within it. Custom elements (define,
// upgrades, lifecycle callbacks, class members on the element) and open or
// closed shadow roots, kept out of serialisation as Chromium keeps them, are
// built only when a script touches customElements or attachShadow
// (custom.go). There is no layout: geometry reads as zeros and
// getComputedStyle answers from the cascade alone.
//
// For live sessions (live.go) the document outlives the first render: the
// body serialises with a data-symposium-node number on every element (in
// that output only, never an attribute a script can see), Target finds an
// event's element by that number or a selector, and DispatchUser runs a
// person's event with a browser's default actions. Sweep, between turns,
// lets go of the wrappers and side tables of what the script removed from
// the page while keeping every tree it can still reach.
package dom
