package dom

import (
	"fmt"
	"weak"

	"github.com/andybalholm/cascadia"
	"github.com/dop251/goja"
	"golang.org/x/net/html"
)

// Live pages (the engine's sessions) keep a document alive between user
// events. The browser shows the body HTML with every element numbered
// (data-symposium-node) so its events can name their target; the numbers
// exist only in that serialisation, never as attributes a script could
// read, query or forge.

// NodeAttr is the attribute the annotated serialisation numbers elements with.
const NodeAttr = "data-symposium-node"

// marks numbers elements for the annotated serialisation. An element keeps
// its number while successive renders write it; one a render no longer
// writes is forgotten, so a long session does not accumulate the nodes its
// script threw away.
type marks struct {
	next int64
	gen  uint32
	ids  map[*html.Node]mark
	byID map[int64]*html.Node
	buf  [20]byte // strconv scratch for the serializer
}

type mark struct {
	id  int64
	gen uint32
}

func (m *marks) id(n *html.Node) int64 {
	k, ok := m.ids[n]
	if !ok {
		m.next++
		k.id = m.next
		m.byID[k.id] = n
	}
	k.gen = m.gen
	m.ids[n] = k
	return k.id
}

// prune forgets the elements the current render did not write.
func (m *marks) prune() {
	for n, k := range m.ids {
		if k.gen != m.gen {
			delete(m.ids, n)
			delete(m.byID, k.id)
		}
	}
}

// AnnotatedBodyHTML is BodyHTML with a data-symposium-node="N" attribute
// first on every element, N stable for as long as each render writes the
// element; Target resolves N back to it.
func (d *DOM) AnnotatedBodyHTML(limit int) (string, error) {
	body := findBody(d.doc)
	if body == nil {
		return "", nil
	}
	if d.marks == nil {
		d.marks = &marks{ids: make(map[*html.Node]mark), byID: make(map[int64]*html.Node)}
	}
	d.marks.gen++
	w := &limitedBuilder{limit: limit}
	s := serializer{d: d, w: w, marks: d.marks}
	s.children(body)
	if s.err != nil {
		return "", s.err
	}
	d.marks.prune()
	return w.String(), nil
}

// Target is the element a user event is aimed at.
type Target struct{ n *html.Node }

// Target finds the element a user event names: node, an id from the last
// annotated render, or else the first element matching selector.
func (d *DOM) Target(selector string, node int64) (Target, error) {
	if node != 0 {
		if d.marks != nil {
			if n := d.marks.byID[node]; n != nil && contains(d.doc, n) {
				return Target{n}, nil
			}
		}
		return Target{}, fmt.Errorf("%w: node %d is not in the page", ErrNoElement, node)
	}
	sel, err := compileSelector(selector)
	if err != nil {
		return Target{}, fmt.Errorf("%w: %q", ErrBadSelector, selector)
	}
	defer d.stateForSelector(selector)()
	n := cascadia.Query(d.doc, sel)
	if n == nil {
		return Target{}, fmt.Errorf("%w: nothing matches %q", ErrNoElement, selector)
	}
	return Target{n}, nil
}

// UserEvent is an event a person caused, with the control state the
// browser had when it fired.
type UserEvent struct {
	Type    string
	Value   *string // the control's value (input, textarea, select)
	Checked *bool   // a checkbox's or radio's checked state (after the click, for a click)
	Key     string  // KeyboardEvent.key
}

// DispatchUser runs ev at t as a browser runs a user's event: the control's
// new state first, then a trusted event of the class, bubbles and
// cancelable the HTML standard gives its type, then its default action
// (checkbox toggling undone on preventDefault, a submit button's form
// submission, implicit submission on Enter, focus moves). Exceptions
// listeners throw go to Host.Report; the error is the runtime's own
// (an interrupt) or events.js failing.
func (d *DOM) DispatchUser(t Target, ev UserEvent) error {
	f, _ := goja.AssertFunction(d.eventAPI("user"))
	o := d.rt.NewObject()
	if ev.Value != nil {
		_ = o.Set("value", *ev.Value)
	}
	if ev.Checked != nil {
		_ = o.Set("checked", *ev.Checked)
	}
	_ = o.Set("key", ev.Key)
	_, err := f(goja.Undefined(), d.wrap(t.n), d.str(ev.Type), o)
	return err
}

// A live session's document outlives many renders, so what a script threw
// away must go: the wrappers of removed elements (with their listeners,
// handlers and form state) and the side tables keyed by their nodes. A
// removed element stays reachable for as long as the script holds any node
// of its tree, so Sweep, between turns, moves the wrappers of each tree out
// of the document into a group (keeper) that every member points to:
// nodes holds it only weakly from then on, and the whole group lives while
// the script holds any member. A member touched again (wrap, insert,
// lookup) brings its group back. Execute never sweeps.

// sweepGrowth is how many wrappers a document gains between sweeps.
const sweepGrowth = 256

type keeper struct{ members []*node }

// lookup is the wrapper of n if it has one, reviving a swept group.
func (d *DOM) lookup(n *html.Node) *node {
	if x := d.nodes[n]; x != nil {
		return x
	}
	return d.revive(n)
}

// revive brings n's swept group back into nodes; nil when n has no wrapper.
func (d *DOM) revive(n *html.Node) *node {
	if len(d.weak) == 0 {
		return nil
	}
	w, ok := d.weak[n]
	if !ok {
		return nil
	}
	x := w.Value()
	if x == nil {
		delete(d.weak, n)
		return nil
	}
	if x.keeper == nil { // not swept as a group: cannot happen, but stay whole
		delete(d.weak, n)
		d.nodes[n] = x
		return x
	}
	for _, m := range x.keeper.members {
		delete(d.weak, m.n)
		d.nodes[m.n] = m
		m.keeper = nil
	}
	return x
}

// reviveTree revives every swept group with a node under n (n included):
// a tree going into the document must not lose its state to the GC once
// the script lets go of it.
func (d *DOM) reviveTree(n *html.Node) {
	if len(d.weak) == 0 {
		return
	}
	d.revive(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		d.reviveTree(c)
	}
}

// Sweep lets go of what the script removed from the document (see above);
// a live session calls it between turns. It does nothing until the
// document gained sweepGrowth wrappers since the last sweep.
func (d *DOM) Sweep() {
	if len(d.nodes) < d.swept+sweepGrowth {
		return
	}
	var contentOf map[*html.Node]*html.Node // template content -> template
	if len(d.templates) > 0 {
		contentOf = make(map[*html.Node]*html.Node, len(d.templates))
		for t, c := range d.templates {
			contentOf[c] = t
		}
	}
	// root is the tree n belongs to, through shadow hosts and templates:
	// d.doc for the document.
	root := func(n *html.Node) *html.Node {
		for {
			for n.Parent != nil {
				n = n.Parent
			}
			if d.ce != nil {
				if h := d.ce.hosts[n]; h != nil {
					n = h
					continue
				}
			}
			if t := contentOf[n]; t != nil {
				n = t
				continue
			}
			return n
		}
	}
	groups := map[*html.Node]*keeper{}
	for n, x := range d.nodes {
		r := root(n)
		if r == d.doc {
			continue
		}
		k := groups[r]
		if k == nil {
			k = &keeper{}
			groups[r] = k
		}
		k.members = append(k.members, x)
		x.keeper = k
		delete(d.nodes, n)
		if d.weak == nil {
			d.weak = make(map[*html.Node]weak.Pointer[node])
		}
		d.weak[n] = weak.Make(x)
	}
	// reachable: trees the script may still reach (a live group's), and
	// the document.
	reachable := map[*html.Node]bool{d.doc: true}
	for r := range groups {
		reachable[r] = true
	}
	for n, w := range d.weak {
		if w.Value() == nil {
			delete(d.weak, n)
		} else {
			reachable[root(n)] = true
		}
	}
	// Side tables of nodes no script can reach any more.
	for n := range d.names {
		if !reachable[root(n)] {
			delete(d.names, n)
		}
	}
	for t := range d.templates {
		if !reachable[root(t)] {
			delete(d.templates, t)
		}
	}
	if d.ce != nil {
		for host, s := range d.ce.shadows {
			if !reachable[root(host)] {
				delete(d.ce.hosts, s.root)
				delete(d.ce.shadows, host)
			}
		}
	}
	d.swept = len(d.nodes)
}

// liveState is a form control's state that a script set through its IDL
// properties (value, checked, selected) and that its attributes no longer
// show. The annotated render writes it as attributes (a textarea's value
// as its text), so the viewer's page shows what the live page holds: a
// to-do block that clears its input after adding an item clears it in
// the browser too. The plain render stays the DOM's own serialisation.
type liveState struct {
	value, text       *string
	checked, selected *bool
}

// liveStateOf is n's liveState, and whether it overrides anything.
func (d *DOM) liveStateOf(n *html.Node) (liveState, bool) {
	var st liveState
	if n.Namespace != "" {
		return st, false
	}
	x := d.lookup(n)
	if x == nil || x.form == nil {
		return st, false
	}
	f := x.form
	switch n.Data {
	case "input":
		if t := controlType(n); (t == "checkbox" || t == "radio") && f.dirtyChecked {
			st.checked = &f.checked
		}
		if f.dirtyValue {
			st.value = &f.value
		}
	case "textarea":
		if f.dirtyValue {
			st.text = &f.value
		}
	case "option":
		if f.dirtySelected {
			st.selected = &f.selected
		}
	}
	return st, st.value != nil || st.text != nil || st.checked != nil || st.selected != nil
}

// overrides reports whether the live state replaces attribute a.
func (st liveState) overrides(a html.Attribute) bool {
	if a.Namespace != "" {
		return false
	}
	switch a.Key {
	case "value":
		return st.value != nil
	case "checked":
		return st.checked != nil
	case "selected":
		return st.selected != nil
	}
	return false
}
