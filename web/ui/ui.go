package ui

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed static
var static embed.FS

// csp lets the page load only its own files and connect only to its own
// origin. Block output is framed from this origin (the live frame, or the
// static output page on a server without live sessions), but the frame's
// sandbox (never allow-same-origin) gives it an opaque origin.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageCSP is csp for the page itself, whose editors (CodeMirror) write
// their generated styles into <style> elements: those carry a fresh nonce
// per page load, read from the page's csp-nonce meta element. No inline
// script is allowed.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-%s'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// frameCSP is the live preview frame's policy (GET /frame). The sandbox
// directive gives the document an opaque origin even if it is opened
// without the iframe's sandbox attribute; the one script allowed is the
// bridge, by its hash; nothing loads from anywhere (data: images and fonts
// aside), so block markup can neither run nor fetch. frame-ancestors is
// 'self' for the app's preview, and * for the frame inside an embed page:
// frame-ancestors checks every ancestor, and an embed's top page is another
// site's. Framing the frame gains a foreign page nothing: it draws only
// the HTML its parent sends it and has no state of its own.
const frameCSP = "sandbox allow-scripts; default-src 'none'; script-src '%s'; style-src 'unsafe-inline'; img-src data:; font-src data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors %s"

// embedCSP is the embed host page's (GET /embed/:id): its own script and
// styles, the socket and the preview frame from this origin, and framing
// by any site, which is what an embed is for.
const embedCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *"

// noncePlaceholder is replaced in index.html by each response's nonce.
var noncePlaceholder = []byte("__CSP_NONCE__")

// Mount serves the page at "/", its assets under "/ui/", the live preview
// frame at "/frame" and the embed host page at "/embed/:id".
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

	frame, hash := framePage(sub)
	selfCSP, anyCSP := fmt.Sprintf(frameCSP, hash, "'self'"), fmt.Sprintf(frameCSP, hash, "*")
	app.Get("/frame", func(c *fiber.Ctx) error {
		if c.Query("embed") != "" {
			c.Set(fiber.HeaderContentSecurityPolicy, anyCSP)
		} else {
			c.Set(fiber.HeaderContentSecurityPolicy, selfCSP)
		}
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Type("html", "utf-8")
		return c.Send(frame)
	})
	embed, err := fs.ReadFile(sub, "embed.html")
	if err != nil {
		panic(err) // fixed at build time
	}
	app.Get("/embed/:id", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, embedCSP)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Type("html", "utf-8")
		return c.Send(embed)
	})
}

// framePage builds the live preview frame's document around the bridge
// (static/bridge.js, inline) and returns it with the CSP source that
// allows exactly that script.
func framePage(sub fs.FS) ([]byte, string) {
	bridge, err := fs.ReadFile(sub, "bridge.js")
	if err != nil || bytes.Contains(bytes.ToLower(bridge), []byte("</script")) {
		panic("ui: bridge.js is missing or cannot be inlined") // fixed at build time
	}
	sum := sha256.Sum256(bridge)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Live preview</title><script>")
	b.Write(bridge)
	b.WriteString("</script></head><body></body></html>\n")
	return []byte(b.String()), "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func newNonce() string {
	b := make([]byte, 18)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func fmtCSP(nonce string) string {
	return fmt.Sprintf(pageCSP, nonce)
}
