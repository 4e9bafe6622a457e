package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/symposium/symposium/supervisor/isolate"
	"github.com/symposium/symposium/supervisor/monitor"
	"github.com/symposium/symposium/web"
)

// topic is a kind of pushed message a tab can subscribe to.
type topic uint8

const (
	topicBlocks   topic = 1 << iota // results, renames and deletes made elsewhere
	topicMetrics                    // kernel figures, every second
	topicIsolates                   // isolate lifecycle events
	topicAlerts                     // resource alerts
	allTopics     = topicBlocks | topicMetrics | topicIsolates | topicAlerts
)

var topicNames = map[string]topic{"blocks": topicBlocks, "metrics": topicMetrics, "isolates": topicIsolates, "alerts": topicAlerts}

// request is any message a tab sends. Ref, if set, is echoed in the answer.
//
//	{"type":"execute","ref","blockId","name"?,"code":{"html","css","javascript"},"data"?}
//	{"type":"update","ref","blockId","code"?:{partial},"data"?}
//	{"type":"delete","ref","blockId"}
//	{"type":"rename","ref","blockId","name"}
//	{"type":"subscribe","ref","topics":["blocks","metrics","isolates","alerts"]}
//	{"type":"session.open","ref","blockId","code"?,"data"?}
//	{"type":"session.event","ref","sessionId","event":{"type","node"|"target","value"?,"checked"?,"key"?}}
//	{"type":"session.close","ref","sessionId"}
type request struct {
	Type      string          `json:"type"`
	Ref       string          `json:"ref"`
	BlockID   string          `json:"blockId"`
	Name      *string         `json:"name"`
	Code      *web.CodeJSON   `json:"code"`
	Data      json.RawMessage `json:"data"`
	Topics    []string        `json:"topics"`
	SessionID string          `json:"sessionId"`
	Event     json.RawMessage `json:"event"`
}

// isSession reports whether a command type is one of the session.* ones.
func isSession(typ string) bool { return strings.HasPrefix(typ, "session.") }

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, a...))
}

// parseRequest decodes and validates one message.
func parseRequest(b []byte) (request, error) {
	var r request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return r, invalid("field %q has the wrong type", te.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return r, invalid("%s", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return r, invalid("not valid JSON: send one JSON object with a \"type\"")
		}
	}
	if dec.More() {
		return r, invalid("trailing data after the JSON object")
	}
	if len(r.Ref) > 64 {
		return r, invalid("\"ref\" is longer than 64 characters")
	}
	if r.Type == "subscribe" {
		if r.BlockID != "" || r.Name != nil || r.Code != nil || r.Data != nil {
			return r, invalid("subscribe takes only \"topics\"")
		}
		for _, t := range r.Topics {
			if _, ok := topicNames[t]; !ok {
				return r, invalid("unknown topic %q (known: blocks, metrics, isolates, alerts)", t)
			}
		}
		return r, nil
	}
	if r.Topics != nil {
		return r, invalid("\"topics\" belongs to subscribe only")
	}
	if isSession(r.Type) {
		return parseSession(r)
	}
	if r.SessionID != "" || r.Event != nil {
		return r, invalid("\"sessionId\" and \"event\" belong to session.* commands")
	}
	if msg := web.BlockIDProblem(`"blockId"`, r.BlockID); msg != "" {
		return r, invalid("%s", msg)
	}
	if r.Name != nil && (len(*r.Name) > 200 || (r.Type == "rename" && strings.TrimSpace(*r.Name) == "")) {
		return r, invalid("\"name\" must be 1-200 characters")
	}
	// The decoder has checked data is JSON; null means none, as in the REST API.
	if bytes.Equal(bytes.TrimSpace(r.Data), []byte("null")) {
		r.Data = nil
	}
	switch r.Type {
	case "execute":
		if r.Code == nil {
			return r, invalid("execute needs \"code\": {\"html\",\"css\",\"javascript\"}")
		}
	case "update":
		if r.Name != nil {
			return r, invalid("update cannot rename; send rename")
		}
	case "delete":
		if r.Name != nil || r.Code != nil || r.Data != nil {
			return r, invalid("delete takes only \"blockId\"")
		}
	case "rename":
		if r.Name == nil || r.Code != nil || r.Data != nil {
			return r, invalid("rename takes \"blockId\" and \"name\"")
		}
	case "":
		return r, invalid("\"type\" is required (%s)", knownTypes)
	default:
		return r, invalid("unknown type %q (known: %s)", r.Type, knownTypes)
	}
	return r, nil
}

const knownTypes = "execute, update, delete, rename, subscribe, session.open, session.event, session.close"

// parseSession validates a session.* command.
func parseSession(r request) (request, error) {
	if bytes.Equal(bytes.TrimSpace(r.Data), []byte("null")) {
		r.Data = nil
	}
	switch r.Type {
	case "session.open":
		if msg := web.BlockIDProblem(`"blockId"`, r.BlockID); msg != "" {
			return r, invalid("%s", msg)
		}
		if r.SessionID != "" || r.Event != nil || r.Name != nil {
			return r, invalid("session.open takes \"blockId\" and, optionally, \"code\" and \"data\"")
		}
	case "session.event", "session.close":
		if r.SessionID == "" || len(r.SessionID) > 128 {
			return r, invalid("%s needs the \"sessionId\" session.open answered", r.Type)
		}
		if r.Name != nil || r.Code != nil || r.Data != nil || r.BlockID != "" {
			return r, invalid("%s takes \"sessionId\"%s", r.Type, map[bool]string{true: " and \"event\"", false: ""}[r.Type == "session.event"])
		}
		if r.Type == "session.event" && len(bytes.TrimSpace(r.Event)) == 0 {
			return r, invalid("session.event needs \"event\": {\"type\",\"node\",\"value\"?,\"checked\"?,\"key\"?}")
		}
		if r.Type == "session.close" && r.Event != nil {
			return r, invalid("session.close takes only \"sessionId\"")
		}
	default:
		return r, invalid("unknown type %q (known: %s)", r.Type, knownTypes)
	}
	return r, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// resultMsg is the REST answer plus type and ref.
type resultMsg struct {
	Type string `json:"type"`
	Ref  string `json:"ref,omitempty"`
	web.Result
}

func newResult(ref string, r *isolate.Result) resultMsg {
	return resultMsg{Type: "result", Ref: ref, Result: web.NewResult(r)}
}

// blockMsg reports a delete ("deleted") or a rename ("renamed").
type blockMsg struct {
	Type    string `json:"type"`
	Ref     string `json:"ref,omitempty"`
	BlockID string `json:"blockId"`
	Name    string `json:"name,omitempty"`
}

type errorMsg struct {
	Type       string `json:"type"`
	Ref        string `json:"ref,omitempty"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	RetryAfter int    `json:"retryAfter,omitempty"` // seconds, as the REST API's Retry-After
}

type helloMsg struct {
	Type       string   `json:"type"`
	Instance   string   `json:"instance"`
	MaxMessage int      `json:"maxMessage"`
	Topics     []string `json:"topics"`
}

type subscribedMsg struct {
	Type   string   `json:"type"`
	Ref    string   `json:"ref,omitempty"`
	Topics []string `json:"topics"`
}

type isolateMsg struct {
	Type      string    `json:"type"`
	Event     string    `json:"event"`
	IsolateID string    `json:"isolateId"`
	BlockID   string    `json:"blockId,omitempty"`
	Kind      string    `json:"kind,omitempty"`
	Message   string    `json:"message,omitempty"`
	Time      time.Time `json:"time"`
}

type alertMsg struct {
	Type  string        `json:"type"`
	Alert monitor.Alert `json:"alert"`
}

type isolateFigures struct {
	BlockID       string  `json:"blockId"`
	IsolateID     string  `json:"isolateId"`
	PID           int     `json:"pid"`
	MemoryMB      float64 `json:"memoryMB"`
	MemoryLimitMB float64 `json:"memoryLimitMB"`
	CPUPercent    float64 `json:"cpuPercent"`
}

// systemFigures are the machine's, sent to admins only.
type systemFigures struct {
	CPUCount    int        `json:"cpuCount"`
	CPUPercent  float64    `json:"cpuPercent"` // the machine: every process
	LoadAverage [3]float64 `json:"loadAverage"`
	RSSMB       float64    `json:"rssMB"`
	HeapUsedMB  float64    `json:"heapUsedMB"`
	// SupervisorCPUPercent is the supervisor process alone (share of all cores).
	SupervisorCPUPercent float64 `json:"supervisorCPUPercent"`
}

type metricsMsg struct {
	Type          string           `json:"type"`
	Time          time.Time        `json:"time"`
	System        *systemFigures   `json:"system,omitempty"`
	TotalMemoryMB float64          `json:"totalMemoryMB"`
	Isolates      []isolateFigures `json:"isolates"`
}
