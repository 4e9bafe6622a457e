// Package web is Symposium's HTTP face: the fiber REST API for content
// blocks, isolate statistics and health, Prometheus metrics, and (in its
// sub-packages) the browser UI and the live WebSocket. It turns supervisor
// outcomes into HTTP answers and never lets an internal error text out.
package web
