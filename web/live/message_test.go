package live

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRequest(t *testing.T) {
	cases := []struct {
		name, msg, says string // says == "" means valid
	}{
		{"execute", `{"type":"execute","ref":"1","blockId":"a","code":{"html":"<p>","css":"","javascript":"1"},"data":{"x":1}}`, ""},
		{"execute null data", `{"type":"execute","blockId":"a","code":{},"data":null}`, ""},
		{"update partial", `{"type":"update","blockId":"a","code":{"css":"p{}"}}`, ""},
		{"delete", `{"type":"delete","blockId":"a-b_C9"}`, ""},
		{"rename", `{"type":"rename","blockId":"a","name":"Mine"}`, ""},
		{"subscribe", `{"type":"subscribe","topics":["metrics","alerts"]}`, ""},
		{"subscribe to nothing", `{"type":"subscribe","topics":[]}`, ""},
		{"not json", `hello`, "not valid JSON"},
		{"array", `[1,2]`, "not valid JSON"},
		{"trailing", `{"type":"delete","blockId":"a"} {}`, "trailing"},
		{"no type", `{"blockId":"a"}`, `"type" is required`},
		{"unknown type", `{"type":"shutdown","blockId":"a"}`, `unknown type "shutdown"`},
		{"unknown field", `{"type":"delete","blockId":"a","force":true}`, `unknown field "force"`},
		{"wrong type", `{"type":"execute","blockId":"a","code":{"html":5}}`, `"code.html" has the wrong type`},
		{"no block id", `{"type":"execute","code":{}}`, `"blockId" is required`},
		{"bad block id", `{"type":"delete","blockId":"../etc"}`, `"blockId" has a character that is not allowed ('.' at position 1)`},
		{"block id the REST API refuses", `{"type":"delete","blockId":"a.b:c"}`, `"blockId" has a character that is not allowed ('.' at position 2)`},
		{"execute without code", `{"type":"execute","blockId":"a"}`, `needs "code"`},
		{"string data", `{"type":"update","blockId":"a","data":"{"}`, ""},
		{"broken data", `{"type":"update","blockId":"a","data":{]}`, "not valid JSON"},
		{"rename empty", `{"type":"rename","blockId":"a","name":"  "}`, `"name" must be 1-200`},
		{"rename long", `{"type":"rename","blockId":"a","name":"` + strings.Repeat("n", 201) + `"}`, `"name" must be 1-200`},
		{"rename without name", `{"type":"rename","blockId":"a"}`, `takes "blockId" and "name"`},
		{"delete with code", `{"type":"delete","blockId":"a","code":{}}`, `takes only "blockId"`},
		{"update renames", `{"type":"update","blockId":"a","name":"x"}`, "cannot rename"},
		{"unknown topic", `{"type":"subscribe","topics":["secrets"]}`, `unknown topic "secrets"`},
		{"subscribe with block", `{"type":"subscribe","blockId":"a","topics":[]}`, `only "topics"`},
		{"topics elsewhere", `{"type":"delete","blockId":"a","topics":[]}`, "subscribe only"},
		{"session.open", `{"type":"session.open","ref":"1","blockId":"a"}`, ""},
		{"session.open with code", `{"type":"session.open","blockId":"a","code":{"html":"x"},"data":{"n":1}}`, ""},
		{"session.open without block", `{"type":"session.open"}`, `"blockId" is required`},
		{"session.open with session", `{"type":"session.open","blockId":"a","sessionId":"i-x~y"}`, `session.open takes "blockId"`},
		{"session.event", `{"type":"session.event","sessionId":"i-x~y","event":{"type":"click","node":3}}`, ""},
		{"session.event without event", `{"type":"session.event","sessionId":"i-x~y"}`, `needs "event"`},
		{"session.event without session", `{"type":"session.event","event":{"type":"click","node":3}}`, `needs the "sessionId"`},
		{"session.event with block", `{"type":"session.event","sessionId":"i-x~y","blockId":"a","event":{}}`, `takes "sessionId" and "event"`},
		{"session.close", `{"type":"session.close","sessionId":"i-x~y"}`, ""},
		{"session.close with event", `{"type":"session.close","sessionId":"i-x~y","event":{}}`, `takes only "sessionId"`},
		{"session.unknown", `{"type":"session.reload","sessionId":"i-x~y"}`, `unknown type "session.reload"`},
		{"session field elsewhere", `{"type":"delete","blockId":"a","sessionId":"i-x~y"}`, `belong to session.*`},
		{"long ref", `{"type":"delete","blockId":"a","ref":"` + strings.Repeat("r", 65) + `"}`, `"ref" is longer`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseRequest([]byte(c.msg))
			switch {
			case c.says == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case c.says != "" && (err == nil || !errors.Is(err, errInvalid) || !strings.Contains(err.Error(), c.says)):
				t.Fatalf("want an invalid-message error saying %q, got %v", c.says, err)
			}
		})
	}
	// JSON null data means "no data", as in the REST API.
	r, err := parseRequest([]byte(`{"type":"execute","blockId":"a","code":{},"data":null}`))
	if err != nil || r.Data != nil {
		t.Fatalf("null data: %v %q", err, r.Data)
	}
}
