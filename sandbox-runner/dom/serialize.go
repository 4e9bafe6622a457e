package dom

import (
	"io"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// The HTML fragment serialisation algorithm (HTML §13.3), as Chromium runs
// it: void elements without "/>", foreign elements always closed, attribute
// values escaping & U+00A0 " < >, text escaping & U+00A0 < >, raw text
// children of style/script/... left alone, template contents serialised in
// place. x/net/html's Render differs on all of these (it writes "<br/>",
// &#34; and &#39;, and re-adds a newline in <pre>), so it is not used.

var voidElements = map[string]bool{
	"area": true, "base": true, "basefont": true, "bgsound": true, "br": true, "col": true,
	"embed": true, "frame": true, "hr": true, "img": true, "input": true, "keygen": true,
	"link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

func isVoid(n *html.Node) bool { return n.Namespace == "" && voidElements[n.Data] }

// escape writes v with & U+00A0 < > (and " in attributes) escaped,
// writing unescaped runs straight through: no allocation per text node.
func (s *serializer) escape(v string, attr bool) {
	start := 0
	for i := 0; i < len(v); i++ {
		var rep string
		switch c := v[i]; c {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			if !attr {
				continue
			}
			rep = "&quot;"
		case 0xc2: // U+00A0 is C2 A0 in UTF-8
			if i+1 >= len(v) || v[i+1] != 0xa0 {
				continue
			}
			s.str(v[start:i])
			s.str("&nbsp;")
			i++
			start = i + 1
			continue
		default:
			continue
		}
		s.str(v[start:i])
		s.str(rep)
		start = i + 1
	}
	s.str(v[start:])
}

// serializer writes nodes of one DOM; it consults the DOM for template
// contents, which live outside the tree as in browsers.
type serializer struct {
	d   *DOM
	w   io.Writer
	err error
	// marks, when set, gives every element written a data-symposium-node
	// id (live sessions, live.go); scripts never see it.
	marks *marks
}

func (s *serializer) str(v string) {
	if s.err == nil {
		_, s.err = io.WriteString(s.w, v)
	}
}

func (s *serializer) children(n *html.Node) {
	if n.Type == html.ElementNode && n.Data == "template" && n.Namespace == "" && s.d != nil {
		if c := s.d.templates[n]; c != nil {
			n = c
		}
	}
	raw := rawText(n)
	for c := n.FirstChild; c != nil && s.err == nil; c = c.NextSibling {
		if raw && c.Type == html.TextNode {
			s.str(c.Data)
			continue
		}
		s.node(c)
	}
}

func (s *serializer) node(n *html.Node) {
	switch n.Type {
	case html.ElementNode:
		name := n.Data
		if n.Namespace != "" && s.d != nil {
			name = s.d.localName(n)
		}
		s.str("<")
		s.str(name)
		if s.marks != nil {
			s.str(" " + NodeAttr + "=\"")
			if s.err == nil {
				_, s.err = s.w.Write(strconv.AppendInt(s.marks.buf[:0], s.marks.id(n), 10))
			}
			s.str("\"")
		}
		var live liveState
		override := false
		if s.marks != nil && s.d != nil {
			live, override = s.d.liveStateOf(n) // live.go
		}
		for _, a := range n.Attr {
			if s.marks != nil && a.Namespace == "" && a.Key == NodeAttr {
				continue // a script's own copy would forge another element's id
			}
			if override && live.overrides(a) {
				continue
			}
			s.str(" ")
			s.str(attrQName(a))
			s.str(`="`)
			s.escape(a.Val, true)
			s.str(`"`)
		}
		if override {
			if live.value != nil {
				s.str(` value="`)
				s.escape(*live.value, true)
				s.str(`"`)
			}
			if live.checked != nil && *live.checked {
				s.str(` checked=""`)
			}
			if live.selected != nil && *live.selected {
				s.str(` selected=""`)
			}
		}
		s.str(">")
		if isVoid(n) {
			return
		}
		if live.text != nil {
			s.escape(*live.text, false)
		} else {
			s.children(n)
		}
		s.str("</")
		s.str(name)
		s.str(">")
	case html.TextNode:
		s.escape(n.Data, false)
	case html.CommentNode:
		s.str("<!--")
		s.str(n.Data)
		s.str("-->")
	case html.DoctypeNode:
		s.str("<!DOCTYPE ")
		s.str(n.Data)
		s.str(">")
	case html.DocumentNode:
		s.children(n)
	}
}

// attrQName is the serialised name of an attribute: foreign attributes
// (xlink:href, xml:lang, xmlns:xlink) keep their prefix.
func attrQName(a html.Attribute) string {
	if a.Namespace == "" {
		return a.Key
	}
	if a.Namespace == "xmlns" && a.Key == "xmlns" {
		return "xmlns"
	}
	return a.Namespace + ":" + a.Key
}

func (d *DOM) innerHTML(n *html.Node) string {
	var b strings.Builder
	s := serializer{d: d, w: &b}
	s.children(n)
	return b.String()
}

func (d *DOM) outerHTML(n *html.Node) string {
	var b strings.Builder
	s := serializer{d: d, w: &b}
	s.node(n)
	return b.String()
}
