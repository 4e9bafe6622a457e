package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/supervisor/blocksvc"
	"github.com/symposium/symposium/web/auth"
)

// Locals the guard leaves for the handlers and the live hub.
const (
	LocalPrincipal = "symposium.principal" // auth.Principal
	LocalClientIP  = "symposium.clientIP"  // string
	LocalAuthz     = "symposium.authz"     // the Authorization header, for re-checks on a socket
	LocalCookie    = "symposium.cookie"    // the session cookie, likewise
)

// guarded says whether a path needs a principal: the API (but its health
// probe), the WebSocket and the Prometheus scrape; the UI's static files
// do not. Routing ignores case, so the check does too.
func guarded(path string) bool {
	p := strings.ToLower(path)
	if p == "/api/health" {
		return false
	}
	return p == "/api" || strings.HasPrefix(p, "/api/") || p == "/ws" || strings.HasPrefix(p, "/ws/") ||
		p == "/metrics" || strings.HasPrefix(p, "/metrics/")
}

// guard applies, to every guarded request: the cross-site checks on
// state-changing ones (Origin/Sec-Fetch-Site, then a JSON body), the
// client address behind trusted proxies, and authentication.
func (s *Server) guard(c *fiber.Ctx) error {
	if !guarded(c.Path()) {
		return c.Next()
	}
	if err := auth.CheckCrossOrigin(c.Method(), c.Get("Sec-Fetch-Site"), c.Get(fiber.HeaderOrigin), string(c.Request().Host())); err != nil {
		return err
	}
	if err := auth.CheckJSON(c.Method(), c.Get(fiber.HeaderContentType), len(c.Request().Body())); err != nil {
		return err
	}
	var xff []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		xff = append(xff, string(v))
	}
	c.Locals(LocalClientIP, s.proxies.ClientIP(c.Context().RemoteIP().String(), xff))
	if strings.EqualFold(c.Path(), "/api/session") && c.Method() != fiber.MethodGet {
		return c.Next() // signing in or out needs no principal yet
	}
	if embed := c.Query("embed"); embed != "" && strings.EqualFold(c.Path(), "/ws") {
		// An embed's socket: its token is its credential, for one block.
		p, err := s.EmbedPrincipal(embed, c.Query("token"))
		if err != nil {
			return err
		}
		c.Locals(LocalPrincipal, p)
		c.Locals(LocalEmbed, embed)
		c.SetUserContext(WithPrincipal(c.UserContext(), p))
		return c.Next()
	}
	authz, cookie := c.Get(fiber.HeaderAuthorization), c.Cookies(auth.CookieName)
	p, err := s.auth.Identify(c.UserContext(), authz, cookie)
	if err != nil {
		if !errors.Is(err, auth.ErrUnauthenticated) {
			return fmt.Errorf("%w: key store: %w", blocksvc.ErrStorage, err) // an outage is 503, not 401
		}
		return err
	}
	c.Locals(LocalPrincipal, p)
	c.Locals(LocalAuthz, authz)
	c.Locals(LocalCookie, cookie)
	c.SetUserContext(WithPrincipal(c.UserContext(), p))
	return c.Next()
}

// limit takes one token of the shared rate limit, keyed by tenant, then
// client address (a sign-in, before any tenant, by address alone).
func (s *Server) limit(c *fiber.Ctx) error {
	p, _ := c.Locals(LocalPrincipal).(auth.Principal)
	ip, _ := c.Locals(LocalClientIP).(string)
	if err := s.limiter.Take(auth.Key(p, ip)); err != nil {
		return err
	}
	return c.Next()
}

// adminOnly refuses tenant keys: system-wide figures name every block.
func (s *Server) adminOnly(c *fiber.Ctx) error {
	if p, _ := c.Locals(LocalPrincipal).(auth.Principal); !p.Admin {
		return auth.ErrForbidden
	}
	return c.Next()
}

func principalOf(c *fiber.Ctx) auth.Principal {
	p, _ := c.Locals(LocalPrincipal).(auth.Principal)
	return p
}

// signIn: POST /api/session {"key": "sym_..."} sets the session cookie.
func (s *Server) signIn(c *fiber.Ctx) error {
	var r struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(c.Body(), &r); err != nil || strings.TrimSpace(r.Key) == "" {
		return badRequest(c, fmt.Errorf("%w: send {\"key\": \"<an API key from 'symposium keys create'>\"}", errBadRequest))
	}
	cookie, p, err := s.auth.SignIn(c.UserContext(), r.Key)
	if err != nil {
		if !errors.Is(err, auth.ErrUnauthenticated) {
			return fmt.Errorf("%w: key store: %w", blocksvc.ErrStorage, err)
		}
		return err
	}
	if cookie != nil {
		c.Cookie(cookie)
	}
	return c.JSON(sessionJSON(s.auth.Mode(), p))
}

// signOut: DELETE /api/session clears the cookie.
func (s *Server) signOut(c *fiber.Ctx) error {
	c.Cookie(s.auth.SignOut())
	return c.SendStatus(fiber.StatusNoContent)
}

// whoami: GET /api/session, who the request acts for (401 when nobody).
func (s *Server) whoami(c *fiber.Ctx) error {
	return c.JSON(sessionJSON(s.auth.Mode(), principalOf(c)))
}

func sessionJSON(m auth.Mode, p auth.Principal) fiber.Map {
	return fiber.Map{"mode": m, "tenant": p.Tenant, "admin": p.Admin}
}
