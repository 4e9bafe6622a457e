package ui

import (
	"embed"
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

// Mount serves the page at "/" and its assets under "/ui/".
func Mount(app *fiber.App) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	headers := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, csp)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Next()
	}
	app.Get("/", headers, func(c *fiber.Ctx) error {
		return filesystem.SendFile(c, http.FS(sub), "index.html")
	})
	app.Use("/ui", headers, filesystem.New(filesystem.Config{Root: http.FS(sub)}))
}
