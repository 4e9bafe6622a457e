package dom

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// x/net/html sorts the attributes of formatting elements (a, b, em, ...) in
// place while it parses (it compares them for the "Noah's Ark" clause), so
// <a href="x" class="y"> would serialise as <a class="y" href="x">. Browsers
// keep source order. restoreAttrOrder re-tokenises the source, notes the
// written order of every formatting start tag, and puts it back; blocks
// without such a tag with two attributes skip all of it.

var formattingTags = map[string]bool{"a": true, "b": true, "big": true, "code": true, "em": true, "font": true,
	"i": true, "nobr": true, "s": true, "small": true, "strike": true, "strong": true, "tt": true, "u": true}

// mayHaveSortedAttrs is a cheap test for a formatting start tag that has
// more than one attribute.
func mayHaveSortedAttrs(src string) bool {
	for i := 0; i < len(src); i++ {
		if src[i] != '<' {
			continue
		}
		j := i + 1
		for j < len(src) && (src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z') {
			j++
		}
		if j == i+1 || j >= len(src) || !formattingTags[strings.ToLower(src[i+1:j])] {
			continue
		}
		end := strings.IndexByte(src[j:], '>')
		if end < 0 {
			return true
		}
		if strings.Count(src[j:j+end], "=") >= 2 || len(strings.Fields(src[j:j+end])) >= 2 {
			return true
		}
	}
	return false
}

func sortedKey(tag string, attrs []html.Attribute) string {
	s := slices.Clone(attrs)
	slices.SortFunc(s, attrCompare)
	var b strings.Builder
	b.WriteString(tag)
	for _, a := range s {
		b.WriteByte(0)
		b.WriteString(a.Namespace)
		b.WriteByte(1)
		b.WriteString(a.Key)
		b.WriteByte(1)
		b.WriteString(a.Val)
	}
	return b.String()
}

func attrCompare(a, b html.Attribute) int {
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Val, b.Val)
}

// restoreAttrOrder fixes the formatting elements under roots parsed from src.
func restoreAttrOrder(src string, roots ...*html.Node) {
	if !mayHaveSortedAttrs(src) {
		return
	}
	order := map[string][]html.Attribute{}
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !formattingTags[tok.Data] || len(tok.Attr) < 2 {
			continue
		}
		// the parser drops repeated attributes, keeping the first
		attrs := tok.Attr[:0:0]
		for _, a := range tok.Attr {
			if !slices.ContainsFunc(attrs, func(b html.Attribute) bool { return b.Key == a.Key && b.Namespace == a.Namespace }) {
				attrs = append(attrs, a)
			}
		}
		k := sortedKey(tok.Data, attrs)
		if _, seen := order[k]; !seen {
			order[k] = attrs
		}
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Namespace == "" && formattingTags[n.Data] && len(n.Attr) >= 2 {
			if o, ok := order[sortedKey(n.Data, n.Attr)]; ok {
				n.Attr = slices.Clone(o)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
}
