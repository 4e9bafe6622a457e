// Package webtest helps tests of the web layer: a TCP proxy on loopback
// that a test can cut and restore, to play a network outage between a
// client (a browser, the supervisor) and a server.
package webtest
