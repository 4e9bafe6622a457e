package dom

import (
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

type kind uint8

const (
	kindDocument kind = 1 << iota
	kindElement
	kindText
	kindComment
	kindFragment
	kindDoctype

	kindAll      = kindDocument | kindElement | kindText | kindComment | kindFragment | kindDoctype
	kindParent   = kindDocument | kindElement | kindFragment
	kindChild    = kindElement | kindText | kindComment | kindDoctype
	kindCharData = kindText | kindComment
)

// Fragments have no node type of their own in x/net/html: they are detached
// DocumentNodes other than the document itself.
func kindOf(d *DOM, n *html.Node) kind {
	switch n.Type {
	case html.DocumentNode:
		if n == d.doc {
			return kindDocument
		}
		return kindFragment
	case html.ElementNode:
		return kindElement
	case html.TextNode:
		return kindText
	case html.CommentNode:
		return kindComment
	}
	return kindDoctype
}

func newElement(tag string) *html.Node {
	tag = strings.ToLower(tag)
	return &html.Node{Type: html.ElementNode, Data: tag, DataAtom: atom.Lookup([]byte(tag))}
}

func nodeName(d *DOM, n *html.Node) string {
	switch kindOf(d, n) {
	case kindDocument:
		return "#document"
	case kindFragment:
		return "#document-fragment"
	case kindElement:
		return tagName(n)
	case kindText:
		return "#text"
	case kindComment:
		return "#comment"
	}
	return n.Data
}

func tagName(n *html.Node) string {
	if n.Namespace != "" {
		return n.Data
	}
	return strings.ToUpper(n.Data)
}

func nodeType(k kind) int {
	switch k {
	case kindElement:
		return 1
	case kindText:
		return 3
	case kindComment:
		return 8
	case kindDocument:
		return 9
	case kindFragment:
		return 11
	}
	return 10
}

func isElement(n *html.Node) bool { return n != nil && n.Type == html.ElementNode }

func detach(n *html.Node) {
	p := n.Parent
	if p == nil {
		return
	}
	if p.FirstChild == n {
		p.FirstChild = n.NextSibling
	}
	if n.NextSibling != nil {
		n.NextSibling.PrevSibling = n.PrevSibling
	}
	if p.LastChild == n {
		p.LastChild = n.PrevSibling
	}
	if n.PrevSibling != nil {
		n.PrevSibling.NextSibling = n.NextSibling
	}
	n.Parent, n.PrevSibling, n.NextSibling = nil, nil, nil
}

// link inserts the detached node n into p before ref (append when ref is nil).
func link(p, n, ref *html.Node) {
	if ref == nil {
		p.AppendChild(n)
		return
	}
	p.InsertBefore(n, ref)
}

func contains(anc, n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == anc {
			return true
		}
	}
	return false
}

func nextElement(n *html.Node) *html.Node {
	for n = n.NextSibling; n != nil && n.Type != html.ElementNode; n = n.NextSibling {
	}
	return n
}

func prevElement(n *html.Node) *html.Node {
	for n = n.PrevSibling; n != nil && n.Type != html.ElementNode; n = n.PrevSibling {
	}
	return n
}

func firstElement(n *html.Node) *html.Node {
	c := n.FirstChild
	if c != nil && c.Type != html.ElementNode {
		c = nextElement(c)
	}
	return c
}

func lastElement(n *html.Node) *html.Node {
	c := n.LastChild
	if c != nil && c.Type != html.ElementNode {
		c = prevElement(c)
	}
	return c
}

func textContent(n *html.Node) string {
	switch n.Type {
	case html.TextNode, html.CommentNode:
		return n.Data
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			} else {
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

func removeChildren(n *html.Node) {
	for c := n.FirstChild; c != nil; c = n.FirstChild {
		detach(c)
	}
}

func cloneNode(n *html.Node, deep bool) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace}
	if len(n.Attr) > 0 {
		c.Attr = append([]html.Attribute(nil), n.Attr...)
	}
	if deep {
		for k := n.FirstChild; k != nil; k = k.NextSibling {
			c.AppendChild(cloneNode(k, true))
		}
	}
	return c
}

func getElementByID(root *html.Node, id string) *html.Node {
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if v, ok := getAttr(c, "id"); ok && v == id {
			return c
		}
		if f := getElementByID(c, id); f != nil {
			return f
		}
	}
	return nil
}

func collect(root *html.Node, match func(*html.Node) bool, out []*html.Node) []*html.Node {
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if match(c) {
				out = append(out, c)
			}
			out = collect(c, match, out)
		}
	}
	return out
}

func getAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func removeAttr(n *html.Node, key string) {
	for i, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			n.Attr = append(n.Attr[:i], n.Attr[i+1:]...)
			return
		}
	}
}

// attrName normalises an attribute name the way HTML elements do.
func attrName(n *html.Node, name string) string {
	if n.Namespace == "" {
		return strings.ToLower(name)
	}
	return name
}

// rawText elements render their text children unescaped.
func rawText(n *html.Node) bool {
	switch n.Data {
	case "script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext", "noscript":
		return n.Namespace == ""
	}
	return false
}

func renderChildren(w io.Writer, n *html.Node) error {
	raw := rawText(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if raw && c.Type == html.TextNode {
			if _, err := io.WriteString(w, c.Data); err != nil {
				return err
			}
			continue
		}
		if err := html.Render(w, c); err != nil {
			return err
		}
	}
	return nil
}

func innerHTML(n *html.Node) string {
	var b strings.Builder
	_ = renderChildren(&b, n) // strings.Builder never fails
	return b.String()
}

func outerHTML(n *html.Node) string {
	var b strings.Builder
	_ = html.Render(&b, n)
	return b.String()
}

// parseFragment parses s as the children of context (an element, or body).
func parseFragment(context *html.Node, s string) ([]*html.Node, error) {
	if context == nil || context.Type != html.ElementNode {
		context = &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	}
	return html.ParseFragment(strings.NewReader(s), context)
}
