// Package engine owns running one content block's JavaScript inside the
// isolate: a fresh goja runtime per Execute, the DOM globals (from package
// dom), a capturing console, the symposium host API, and an event loop on a
// virtual clock so timers fire in order without real sleeping.
//
// Compiled programs are cached across executions (goja programs are
// runtime-independent); nothing else is shared between executions.
package engine
