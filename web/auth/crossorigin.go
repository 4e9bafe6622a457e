package auth

import (
	"mime"
	"net/url"
	"strings"
)

// CheckCrossOrigin applies Go's http.CrossOriginProtection rule to one
// request: safe methods pass; otherwise a browser's Sec-Fetch-Site must be
// same-origin or none, and without it an Origin header must name this host.
// Requests with neither header are not from a browser and pass (API
// clients, curl), which is why bearer keys, not cookies, authenticate them.
func CheckCrossOrigin(method, secFetchSite, origin, host string) error {
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return nil
	}
	switch secFetchSite {
	case "same-origin", "none":
		return nil
	case "":
	default:
		return ErrCrossSite
	}
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, host) {
		return ErrCrossSite
	}
	return nil
}

// CheckJSON requires a JSON body on state-changing requests that carry one:
// a cross-site form or no-cors fetch can only send text/plain, urlencoded or
// multipart, so this alone defeats them even from old browsers.
func CheckJSON(method, contentType string, bodyLen int) error {
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return nil
	}
	if bodyLen == 0 && contentType == "" {
		return nil // DELETE and friends without a body
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return ErrContentType
	}
	return nil
}
