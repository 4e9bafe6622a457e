package ui

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed static
var static embed.FS

// csp lets the page load only its own files and connect only to its own
// origin. Block output is framed from this origin, but the frame's sandbox
// (no allow-same-origin, no allow-scripts) gives it an opaque origin.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageCSP is csp for the page itself, whose editors (CodeMirror) write
// their generated styles into <style> elements: those carry a fresh nonce
// per page load, read from the page's csp-nonce meta element. No inline
// script is allowed.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-%s'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// noncePlaceholder is replaced in index.html by each response's nonce.
var noncePlaceholder = []byte("__CSP_NONCE__")

// Mount serves the page at "/" and its assets under "/ui/".
func Mount(app *fiber.App) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil || !bytes.Contains(index, noncePlaceholder) {
		panic("ui: index.html lacks its nonce placeholder") // fixed at build time
	}
	headers := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, csp)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Next()
	}
	app.Get("/", headers, func(c *fiber.Ctx) error {
		nonce := newNonce()
		c.Set(fiber.HeaderContentSecurityPolicy, fmtCSP(nonce))
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Type("html", "utf-8")
		return c.Send(bytes.ReplaceAll(index, noncePlaceholder, []byte(nonce)))
	})
	// Browsers ask for /favicon.ico whatever the page links; both get the SVG.
	favicon := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		return filesystem.SendFile(c, http.FS(sub), "favicon.svg")
	}
	app.Get("/favicon.svg", favicon)
	app.Get("/favicon.ico", favicon)
	app.Use("/ui", headers, filesystem.New(filesystem.Config{Root: http.FS(sub)}))
}

func newNonce() string {
	b := make([]byte, 18)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func fmtCSP(nonce string) string {
	return fmt.Sprintf(pageCSP, nonce)
}
