package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/symposium/symposium/web/auth"
)

// Embeds: a block shown on another site's page in one <iframe>. The frame's
// page (GET /embed/:id, the UI's) opens /ws?embed=<id>&token=<t>; the token
// is an HMAC over the tenant and the block id with a secret every instance
// shares, so that socket needs no cookie and can do nothing but sessions of
// that one block.

// LocalEmbed is the public id of the one block a socket opened with an
// embed token may use (a string in the upgrade request's locals).
const LocalEmbed = "symposium.embed"

// errEmbedToken: an embed token that is malformed or not this server's.
var errEmbedToken = fmt.Errorf("%w: the embed token is not valid for this block; create a new embed with POST /api/content-block/:id/embed", auth.ErrUnauthenticated)

// WithEmbedSecret sets the key of embed tokens (at least 32 bytes; shared
// by every instance). Default: random per process, so tokens die with it.
func WithEmbedSecret(secret []byte) Option { return func(s *Server) { s.embedKey = secret } }

func randomSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// EmbedToken is the token that lets a page embed tenant's block publicID.
func (s *Server) EmbedToken(tenant, publicID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tenant)) + "." + s.embedMAC(tenant, publicID)
}

func (s *Server) embedMAC(tenant, publicID string) string {
	m := hmac.New(sha256.New, s.embedKey)
	m.Write([]byte("embed\x00" + tenant + "\x00" + publicID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// EmbedPrincipal checks an embed token for block publicID and returns who
// the socket acts for: the block's tenant, never an admin. In AUTH_MODE=local
// a missing token is the local tenant; a present one is still checked.
func (s *Server) EmbedPrincipal(publicID, token string) (auth.Principal, error) {
	if !validPublicID(publicID) {
		return auth.Principal{}, errEmbedToken
	}
	if token == "" && s.auth.Mode() == auth.ModeLocal {
		return auth.Principal{Tenant: auth.LocalTenant, KeyID: "embed"}, nil
	}
	enc, mac, ok := cutLast(token, '.')
	if !ok {
		return auth.Principal{}, errEmbedToken
	}
	t, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(t) == 0 {
		return auth.Principal{}, errEmbedToken
	}
	tenant := string(t)
	if !hmac.Equal([]byte(mac), []byte(s.embedMAC(tenant, publicID))) {
		return auth.Principal{}, errEmbedToken
	}
	if s.auth.Mode() == auth.ModeLocal && tenant != auth.LocalTenant {
		return auth.Principal{}, errEmbedToken
	}
	return auth.Principal{Tenant: tenant, KeyID: "embed"}, nil
}

func validPublicID(id string) bool { return BlockIDProblem("id", id) == "" }

func cutLast(s string, sep byte) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], i > 0 && i < len(s)-1
		}
	}
	return "", "", false
}

// embedSandbox is the outer frame's sandbox: its page is ours (its own
// origin, so it may open our socket), it may not navigate the embedding
// page, open popups or submit forms; the block's page inside it is a
// second, opaque-origin frame (allow-scripts only, the bridge's).
const embedSandbox = "allow-scripts allow-same-origin"

// createEmbed: POST /api/content-block/:id/embed -> {"url","html"}
func (s *Server) createEmbed(c *fiber.Ctx) error {
	id := c.Params("id")
	if msg := BlockIDProblem("the block id in the path", id); msg != "" {
		return badRequest(c, fmt.Errorf("%w: %s", errBadRequest, msg))
	}
	p := principalOf(c)
	if s.sessions == nil {
		return errNoSessions
	}
	if _, err := s.sessions.load(c.UserContext(), InternalID(p.Tenant, id)); err != nil {
		return err
	}
	rel := "/embed/" + url.PathEscape(id) + "?token=" + url.QueryEscape(s.EmbedToken(p.Tenant, id))
	abs := c.BaseURL() + rel
	frame := `<iframe src="` + html.EscapeString(abs) + `" title="` + html.EscapeString(id) + `" sandbox="` + embedSandbox +
		`" referrerpolicy="no-referrer" loading="lazy" style="border:0;width:100%;min-height:320px"></iframe>`
	return c.JSON(fiber.Map{"url": rel, "html": frame})
}

// errNoSessions: a server built without a session manager.
var errNoSessions = errors.New("web: live sessions are not enabled on this server")
