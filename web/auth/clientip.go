package auth

import (
	"fmt"
	"net/netip"
	"strings"
)

// Proxies are the hops whose X-Forwarded-For entries are believed.
type Proxies []netip.Prefix

// ParseProxies reads TRUSTED_PROXIES: comma-separated addresses or CIDR
// prefixes of the proxies in front of this server. Empty trusts none, so
// X-Forwarded-For is ignored and the TCP peer is the client.
func ParseProxies(s string) (Proxies, error) {
	var ps Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%w: TRUSTED_PROXIES entry %q is not an address or CIDR prefix", ErrBadConfig, f)
			}
			ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%w: TRUSTED_PROXIES entry %q is not an address or CIDR prefix", ErrBadConfig, f)
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

func (ps Proxies) trusted(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// ClientIP is the address a request comes from. X-Forwarded-For is read
// only when the TCP peer is a trusted proxy, from the right, skipping
// trusted hops: the first untrusted address is the client (anything left of
// it was written by the client and may be forged).
func (ps Proxies) ClientIP(peer string, forwardedFor []string) string {
	p, err := netip.ParseAddr(peer)
	if err != nil {
		return peer
	}
	p = p.Unmap()
	if len(ps) == 0 || !ps.trusted(p) {
		return p.String()
	}
	var hops []string
	for _, h := range forwardedFor {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := p
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: stop at the last address we could trust
		}
		client = a.Unmap()
		if !ps.trusted(client) {
			break
		}
	}
	return client.String()
}
