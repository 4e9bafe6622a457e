package dom

import (
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
		return d.tagName(n)
	case kindText:
		return "#text"
	case kindComment:
		return "#comment"
	}
	return n.Data
}

func (d *DOM) tagName(n *html.Node) string {
	if n.Namespace != "" {
		return d.localName(n)
	}
	return strings.ToUpper(n.Data)
}

// Foreign elements keep their case (linearGradient, foreignObject) in
// localName, tagName and serialisation, but their Data is lower case so that
// cascadia's type selectors (which it lower-cases) match them, as
// querySelector('linearGradient') does in browsers. The written case lives in
// d.names.
func (d *DOM) localName(n *html.Node) string {
	if n.Namespace != "" {
		if s, ok := d.names[n]; ok {
			return s
		}
	}
	return n.Data
}

func (d *DOM) setLocalName(n *html.Node, name string) {
	lower := strings.ToLower(name)
	n.Data = lower
	if lower != name {
		if d.names == nil {
			d.names = make(map[*html.Node]string)
		}
		d.names[n] = name
	}
}

// foldForeignNames lower-cases the foreign elements the parser made under
// roots; only sources with svg or math markup can have any.
func (d *DOM) foldForeignNames(src string, roots ...*html.Node) {
	if !strings.Contains(src, "<svg") && !strings.Contains(src, "<SVG") && !strings.Contains(src, "<math") {
		return
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Namespace != "" && strings.ToLower(n.Data) != n.Data {
			d.setLocalName(n, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
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

// cloneNode copies n; a deep copy of a template copies its contents too.
func (d *DOM) cloneNode(n *html.Node, deep bool) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace}
	if name, ok := d.names[n]; ok {
		d.names[c] = name
	}
	if len(n.Attr) > 0 {
		c.Attr = append([]html.Attribute(nil), n.Attr...)
	}
	if deep {
		for k := n.FirstChild; k != nil; k = k.NextSibling {
			c.AppendChild(d.cloneNode(k, true))
		}
		if src := d.templates[n]; src != nil {
			dst := d.templateContent(c)
			for k := src.FirstChild; k != nil; k = k.NextSibling {
				dst.AppendChild(d.cloneNode(k, true))
			}
		}
	}
	if x := d.lookup(n); x != nil && x.form != nil {
		// Cloning copies form control state (value, checkedness) too.
		st := *x.form
		d.state(c).form = &st
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

// parseFragment parses s as the children of context (an element, or body).
// Template children move into their content fragment, as a browser's parser
// puts them.
func (d *DOM) parseFragment(context *html.Node, s string) ([]*html.Node, error) {
	if context == nil || context.Type != html.ElementNode {
		context = &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	} else if context.Data == "template" && context.Namespace == "" {
		context = &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), context)
	if err == nil {
		restoreAttrOrder(s, nodes...)
		d.foldForeignNames(s, nodes...)
	}
	if err == nil && hasTemplate(s) {
		for _, n := range nodes {
			d.adoptTemplates(n)
		}
	}
	return nodes, err
}

func hasTemplate(s string) bool {
	return strings.Contains(s, "<template") || strings.Contains(s, "<TEMPLATE") || strings.Contains(s, "<Template")
}

// adoptTemplates moves the children of every template element under n into
// that template's content fragment.
func (d *DOM) adoptTemplates(n *html.Node) {
	if n.Type == html.ElementNode && n.Data == "template" && n.Namespace == "" {
		content := d.templateContent(n)
		for c := n.FirstChild; c != nil; c = n.FirstChild {
			detach(c)
			content.AppendChild(c)
		}
		n = content
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		d.adoptTemplates(c)
	}
}

// templateContent is the DocumentFragment behind template.content.
func (d *DOM) templateContent(t *html.Node) *html.Node {
	if d.templates == nil {
		d.templates = make(map[*html.Node]*html.Node)
	}
	c := d.templates[t]
	if c == nil {
		c = &html.Node{Type: html.DocumentNode}
		d.templates[t] = c
	}
	return c
}
