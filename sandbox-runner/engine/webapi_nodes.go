package engine

import (
	"strings"

	"github.com/dop251/goja"
)

// nodeInterface names a DOM node's interface as Chromium does in messages
// ("HTMLBodyElement object could not be cloned."): the node's own
// constructor when the DOM gives it one, else from its name.
func (ex *execution) nodeInterface(obj *goja.Object) string {
	if n := constructorName(obj, "Object"); n != "Object" {
		return n
	}
	switch t := obj.Get("nodeType"); {
	case t == nil:
		return "Node"
	case t.ToInteger() == 3:
		return "Text"
	case t.ToInteger() == 8:
		return "Comment"
	case t.ToInteger() == 9:
		return "HTMLDocument"
	case t.ToInteger() == 11:
		return "DocumentFragment"
	case t.ToInteger() != 1:
		return "Node"
	}
	tag := strings.ToLower(valueString(obj.Get("nodeName")))
	if ns := valueString(obj.Get("namespaceURI")); strings.HasSuffix(ns, "/svg") {
		if n, ok := svgInterfaces[tag]; ok {
			return n
		}
		return "SVGElement"
	}
	if n, ok := htmlInterfaces[tag]; ok {
		return "HTML" + n + "Element"
	}
	return "HTMLElement"
}

var htmlInterfaces = map[string]string{
	"a": "Anchor", "area": "Area", "audio": "Audio", "br": "BR", "base": "Base", "body": "Body", "button": "Button",
	"canvas": "Canvas", "dl": "DList", "data": "Data", "datalist": "DataList", "details": "Details", "dialog": "Dialog",
	"div": "Div", "embed": "Embed", "fieldset": "FieldSet", "form": "Form", "h1": "Heading", "h2": "Heading",
	"h3": "Heading", "h4": "Heading", "h5": "Heading", "h6": "Heading", "hr": "HR", "head": "Head", "html": "Html",
	"iframe": "IFrame", "img": "Image", "input": "Input", "li": "LI", "label": "Label", "legend": "Legend",
	"link": "Link", "map": "Map", "menu": "Menu", "meta": "Meta", "meter": "Meter", "del": "Mod", "ins": "Mod",
	"ol": "OList", "object": "Object", "optgroup": "OptGroup", "option": "Option", "output": "Output", "p": "Paragraph",
	"picture": "Picture", "pre": "Pre", "progress": "Progress", "q": "Quote", "blockquote": "Quote", "script": "Script",
	"select": "Select", "slot": "Slot", "source": "Source", "span": "Span", "style": "Style", "caption": "TableCaption",
	"td": "TableCell", "th": "TableCell", "col": "TableCol", "colgroup": "TableCol", "table": "Table", "tr": "TableRow",
	"thead": "TableSection", "tbody": "TableSection", "tfoot": "TableSection", "template": "Template",
	"textarea": "TextArea", "time": "Time", "title": "Title", "track": "Track", "ul": "UList", "video": "Video",
}

var svgInterfaces = map[string]string{
	"svg": "SVGSVGElement", "g": "SVGGElement", "path": "SVGPathElement", "rect": "SVGRectElement",
	"circle": "SVGCircleElement", "line": "SVGLineElement", "text": "SVGTextElement", "polyline": "SVGPolylineElement",
	"polygon": "SVGPolygonElement", "ellipse": "SVGEllipseElement",
}
